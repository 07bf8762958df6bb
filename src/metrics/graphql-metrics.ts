import { createCounter, usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Registry } from 'prom-client';

type ErrorPhase = 'parse' | 'validate' | 'context' | 'execute';

/** What an error without a code of its own counts as: a document that does not parse or validate, or an unexpected failure. */
const CODE_BY_PHASE: Record<string, string> = { parse: 'GRAPHQL_PARSE_FAILED', validate: 'GRAPHQL_VALIDATION_FAILED' };

function codeOf(error: unknown, phase: string | undefined): string {
  const code = (error as Partial<GraphQLError> | undefined)?.extensions?.code;
  return typeof code === 'string' ? code : (CODE_BY_PHASE[phase ?? ''] ?? 'INTERNAL_SERVER_ERROR');
}

/**
 * yoga's Prometheus plugin on the app's registry: HTTP requests by method and status
 * (`graphql_yoga_http_duration`), queries and mutations run and how long they took, and errors by
 * `extensions.code`. No label takes what a client chooses (operation names, URLs, paths), which
 * would let anyone grow the registry without bound; subscriptions are left to
 * `creditstream_subscriptions_open`, which costs no wrapper per subscription.
 */
export function graphqlMetricsPlugin(registry: Registry): Plugin {
  return usePrometheus({
    registry,
    endpoint: false,
    labels: { operationName: false, url: false, path: false, fieldName: false, typeName: false },
    metrics: {
      graphql_yoga_http_duration: true,
      graphql_envelop_request: ['execute'],
      graphql_envelop_request_duration: ['execute'],
      graphql_envelop_error_result: createCounter<ErrorPhase, 'code' | 'phase' | 'operationType'>({
        registry,
        counter: { name: 'graphql_envelop_error_result', help: 'GraphQL errors answered, by extensions.code and phase', labelNames: ['code', 'phase', 'operationType'] },
        phases: ['parse', 'validate', 'context', 'execute'],
        fillLabelsFn: (params) => ({ code: codeOf(params.error, params.errorPhase), phase: params.errorPhase ?? 'execute', operationType: params.operationType ?? 'unknown' }),
      }),
      graphql_envelop_request_time_summary: false,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: false,
      graphql_envelop_execute_resolver: false,
    },
  });
}
