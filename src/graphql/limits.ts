import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type ASTNode, type ValidationContext } from 'graphql';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';
import type { GraphQLLimits } from '../config.js';

/** The `extensions.code` of an operation refused as a whole before it runs: too big, or introspection where it is off. */
export type RefusedOperationCode =
  | 'MAX_DEPTH_EXCEEDED'
  | 'MAX_ALIASES_EXCEEDED'
  | 'MAX_DIRECTIVES_EXCEEDED'
  | 'MAX_TOKENS_EXCEEDED'
  | 'MAX_COST_EXCEEDED'
  | 'INTROSPECTION_DISABLED';

export function refusedOperation(code: RefusedOperationCode, message: string, nodes?: ASTNode): GraphQLError {
  return new GraphQLError(message, { nodes, extensions: { code } });
}

/**
 * What graphql-armor does when an operation asks too much: refuse it with our code. A validation
 * limit reports its error like any rule (HTTP and WebSocket both read the validation errors); the
 * token limit counts while parsing, which has no context, and throws to stop the parse there.
 */
function refuseWith(code: RefusedOperationCode) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => {
        // armor words every refusal as a syntax error, which none of them is.
        const refusal = refusedOperation(code, error.message.replace(/^Syntax Error: /, ''));
        if (context === null) throw refusal;
        context.reportError(refusal);
      },
    ],
  };
}

/**
 * The plugins that bound what one operation may ask (`GraphQLLimits`, from the environment). They
 * act in yoga's parse and validate, which HTTP and the WebSocket transport both go through.
 */
export function endpointLimitPlugins(limits: Omit<GraphQLLimits, 'introspection'>): Plugin[] {
  const armor = new EnvelopArmor<YogaInitialContext>({
    maxDepth: { n: limits.maxDepth, ...refuseWith('MAX_DEPTH_EXCEEDED') },
    maxAliases: { n: limits.maxAliases, ...refuseWith('MAX_ALIASES_EXCEEDED') },
    maxDirectives: { n: limits.maxDirectives, ...refuseWith('MAX_DIRECTIVES_EXCEEDED') },
    maxTokens: { n: limits.maxTokens, ...refuseWith('MAX_TOKENS_EXCEEDED') },
    costLimit: { maxCost: limits.maxCost, ...refuseWith('MAX_COST_EXCEEDED') },
    // Its pattern misses the enum and input-field suggestions and those of execution: see schema-privacy.ts.
    blockFieldSuggestion: { enabled: false },
  });
  return armor.protect().plugins;
}
