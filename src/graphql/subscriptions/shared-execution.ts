import {
  createSourceEventStream,
  execute,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  type subscribe,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type OperationDefinitionNode,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

/** Event streams whose events may be executed once for every subscriber that receives them. */
const shareable = new WeakSet<object>();

/**
 * Marks the event stream a subscription field returns as shareable: each event is an object that
 * means the same to everyone who receives the same object (a tick already reduced to what its
 * subscriber may see: see `ticksAsSeen`), and the fields selected under it depend on it alone,
 * never on the caller's context. Then subscribers with the same document and variables that
 * receive one event get one execution's result.
 */
export function shareEvents<T extends AsyncIterable<object>>(stream: T): T {
  shareable.add(stream);
  return stream;
}

/**
 * Subscriptions as the spec runs them (the field's event stream, then the selection executed for
 * each event), except that the result of an event of a shareable stream is kept with the event and
 * reused by every subscriber with the same document, operation and variables: one debit watched by
 * a thousand sockets of one view is executed once, not a thousand times. Everything around it
 * (the context, masking, other plugins) is yoga's, as for any subscription.
 */
export function useSharedSubscriptionExecution(): Plugin {
  return {
    onSubscribe({ setSubscribeFn, subscribeFn }) {
      setSubscribeFn((args) => subscribeSharing(args, subscribeFn));
    },
  };
}

async function subscribeSharing(args: ExecutionArgs, engineSubscribe: typeof subscribe) {
  const operation = getOperationAST(args.document, args.operationName);
  // What is refused before any resolver runs (no such operation, variables that do not fit) the
  // engine answers itself, in its own words.
  if (!operation || getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {}).errors) {
    return engineSubscribe(args);
  }
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream;
  return new EventResults(stream[Symbol.asyncIterator](), args, operation, shareable.has(stream) ? operationKey(args) : null);
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The result of each event of a subscription: the selection executed with the event as its root
 * value, or the result another subscriber's execution left with a shared event. An object with one
 * pending `next()`, which is all an idle subscription costs here (a mapping iterator of closures
 * would cost several times as much per subscriber).
 */
class EventResults implements AsyncIterableIterator<ExecutionResult> {
  constructor(
    private readonly events: AsyncIterator<unknown>,
    private readonly args: ExecutionArgs,
    private readonly operation: OperationDefinitionNode,
    /** What names this subscription's results among those kept with shared events; null: none are. */
    private readonly key: string | null,
  ) {}

  async next(): Promise<IteratorResult<ExecutionResult>> {
    let step: IteratorResult<unknown>;
    try {
      step = await this.events.next();
    } catch (error) {
      // As the engine does: a failing stream fails the operation, with what it threw as the cause.
      throw new GraphQLError(error instanceof Error ? error.message : String(error), { originalError: error as Error, nodes: [this.operation] });
    }
    if (step.done) return DONE;
    try {
      return { done: false, value: await resultOf(step.value, this.key, this.args) };
    } catch (error) {
      await this.return();
      throw error;
    }
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.events.return?.();
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

type Result = ExecutionResult | Promise<ExecutionResult>;
/** The results of each shared event, by operation key; they go when the event does. */
const results = new WeakMap<object, Map<string, Result>>();

function resultOf(event: unknown, key: string | null, args: ExecutionArgs): Result {
  if (key === null || typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
  let byOperation = results.get(event);
  if (!byOperation) results.set(event, (byOperation = new Map()));
  let result = byOperation.get(key);
  if (!result) byOperation.set(key, (result = execute({ ...args, rootValue: event })));
  return result;
}

const documentIds = new WeakMap<DocumentNode, number>();
let lastDocumentId = 0;

/**
 * Names what decides a result besides the event: the document (yoga parses a query text once,
 * so equal texts are one document), the operation and the variables.
 */
function operationKey({ document, operationName, variableValues }: ExecutionArgs): string {
  let id = documentIds.get(document);
  if (id === undefined) documentIds.set(document, (id = ++lastDocumentId));
  return `${id}/${operationName ?? ''}/${JSON.stringify(variableValues ?? {})}`;
}
