import { Aggregator } from 'mingo/aggregator';
import { Context } from 'mingo/core';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import * as windowOperators from 'mingo/operators/window';
import { Query } from 'mingo/query';
import type { AnyObject, Options } from 'mingo/types';
import type { Document } from '../bson-values.js';
import { isPlainObject, toView } from '../bson-values.js';
import { expressionOperatorFixes } from './expression-operators.js';
import { queryOperatorFixes } from './query-operators.js';
import { refuseProtoFields } from './proto-fields.js';
import { pipelineOperatorFixes } from './sort.js';

/**
 * The one place where mingo's operators meet MongoDB's semantics: every mingo call of the embedded
 * database (filters, projections, updates' conditions, aggregation) runs with this context, so an
 * operator mingo gets wrong is replaced here, once, by a fix with its own test beside it.
 */
const CONTEXT = Context.init({
  accumulator: accumulatorOperators,
  expression: { ...expressionOperators, ...expressionOperatorFixes },
  pipeline: { ...pipelineOperators, ...pipelineOperatorFixes },
  projection: projectionOperators,
  query: { ...queryOperators, ...queryOperatorFixes },
  window: windowOperators,
});

/**
 * The Query class every filter is built with (always with `queryOptions()`). It is mingo's base
 * class, not the `Query` of `'mingo'`: that one merges mingo's stock operators over the context it
 * is given, so an operator replaced here would silently never run through it. A top-level
 * `$comment` is dropped, as MongoDB ignores it (mingo would refuse it as an unknown operator).
 */
class FilterQuery extends Query {
  constructor(condition: AnyObject, options: Partial<Options>) {
    super(withoutComment(refuseProtoFields(condition)), options);
  }
}

/** Anything but a document is left as it is, for mingo to refuse. */
function withoutComment(condition: AnyObject): AnyObject {
  if (!isPlainObject(condition) || !Object.hasOwn(condition, '$comment')) return condition;
  const { $comment: _comment, ...filter } = condition;
  return filter;
}
export { FilterQuery as Query };

/**
 * Options for every mingo call. Scripts stay disabled: `$where`/`$function` bodies arrive as BSON
 * code strings that mingo cannot run anyway, and refusing them gives a clear error.
 */
export function queryOptions(variables?: Document): Partial<Options> {
  return { idKey: '_id', scriptEnabled: false, context: CONTEXT, ...(variables ? { variables: toView(variables) } : {}) };
}

/** An aggregation pipeline ready to run over documents (views); see createAggregator. */
export type PipelineRunner = { run<T extends AnyObject>(documents: AnyObject[]): T[] };

/**
 * mingo's Aggregator with the context above (mingo's own entry point would use its stock operators).
 * The pipeline's leading `$match` stages filter the documents before mingo copies them (aggregation
 * clones its input, and a copy of a view no longer reaches the stored document's typed form), so
 * they match exactly as find does, `$type` and the bit tests included.
 */
export function createAggregator(pipeline: AnyObject[], options: Partial<Options>): PipelineRunner {
  const contextOptions = { ...options, context: CONTEXT };
  const firstOther = pipeline.findIndex((stage) => !Object.hasOwn(stage, '$match'));
  const split = firstOther === -1 ? pipeline.length : firstOther;
  const leadingMatches = pipeline.slice(0, split).map((stage) => new FilterQuery(stage.$match as AnyObject, contextOptions));
  const rest = new Aggregator(pipeline.slice(split), contextOptions);
  return {
    run: <T extends AnyObject>(documents: AnyObject[]) =>
      rest.run<T>(documents.filter((document) => leadingMatches.every((match) => match.test(document)))),
  };
}
