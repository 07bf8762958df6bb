import { getNamedType, isIntrospectionType, type ExecutionResult, type ValidationRule } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { refusedOperation } from './limits.js';

/**
 * graphql-js's suggestions, in every wording it has: `Did you mean "viewer"?`, `Did you mean the
 * enum value "AI_CREDITS"?`, `Did you mean to use an inline fragment on "Account"?` (names never
 * hold a question mark).
 */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

function withoutSuggestions<T extends Error>(error: T): T {
  // The errors are graphql-js's own, handed on as they are: the message is rewritten in place.
  error.message = error.message.replace(SUGGESTION, '');
  return error;
}

function resultWithoutSuggestions(result: ExecutionResult | AsyncIterable<ExecutionResult>): void {
  if (!isAsyncIterable(result)) result.errors?.forEach(withoutSuggestions);
}

/**
 * graphql-js's `NoSchemaIntrospectionCustomRule` with a code, and once for each introspection
 * field rather than again for each field below it: `__schema` and `__type` are refused, `__typename` stays.
 */
const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    const type = context.getType();
    if (!type || !isIntrospectionType(getNamedType(type))) return undefined;
    context.reportError(refusedOperation('INTROSPECTION_DISABLED', `Introspection is disabled: the operation asks for "${node.name.value}".`, node));
    return false;
  },
});

/**
 * With introspection off (production, unless GRAPHQL_INTROSPECTION=true), the schema is not told:
 * introspection fields are refused, and no error suggests a field, argument, type or enum value
 * by name, whether validation or execution (a variable's value) finds it.
 */
export function schemaPrivacyPlugins(introspection: boolean): Plugin[] {
  if (introspection) return [];
  return [
    {
      onValidate: ({ addValidationRule }) => {
        addValidationRule(noIntrospection);
        return ({ valid, result, setResult }) => {
          if (!valid) setResult(result.map(withoutSuggestions));
        };
      },
      onExecute: () => ({ onExecuteDone: ({ result }) => resultWithoutSuggestions(result) }),
      onSubscribe: () => ({ onSubscribeResult: ({ result }) => resultWithoutSuggestions(result) }),
    },
  ];
}
