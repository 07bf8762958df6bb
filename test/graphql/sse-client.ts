import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type FormattedExecutionResult } from 'graphql';
import { expect } from 'vitest';

export type SseStream<Data> = { status: number; results: AsyncIterator<FormattedExecutionResult<Data>> };

/**
 * Subscriptions over server-sent events, as a browser without WebSocket would send them: a POST
 * that accepts `text/event-stream`. Each `next` event is a result; `complete` ends the stream.
 * Keeps what a test opened, for its `afterEach` to abort.
 */
export class SseStreams {
  private readonly aborts: AbortController[] = [];

  constructor(private readonly url: () => string) {}

  async subscribe<Data, Variables>(document: TypedDocumentNode<Data, Variables>, variables: Variables, authorization?: string): Promise<SseStream<Data>> {
    const controller = new AbortController();
    this.aborts.push(controller);
    const response = await fetch(this.url(), {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ query: print(document), variables }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    return { status: response.status, results: events<Data>(response.body!) };
  }

  abortAll(): void {
    this.aborts.splice(0).forEach((controller) => controller.abort());
  }
}

async function* events<Data>(body: ReadableStream<Uint8Array>): AsyncGenerator<FormattedExecutionResult<Data>> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffered = '';
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    buffered += decoder.decode(read.value, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const lines = buffered.slice(0, end).split('\n');
      buffered = buffered.slice(end + 2);
      const event = lines.find((line) => line.startsWith('event:'))?.slice('event:'.length).trim();
      const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice('data:'.length).trim()).join('\n');
      if (event === 'complete') return;
      if (event === 'next') yield JSON.parse(data) as FormattedExecutionResult<Data>;
    }
  }
}
