import * as mingoStages from 'mingo/operators/pipeline';
import { type Document, isPlainObject } from '../bson-values.js';
import { CommandError, notSupported } from '../errors.js';

/** Every aggregation stage MongoDB 7.0 knows, so an unknown name fails as it does there (40324). */
const MONGODB_STAGES = new Set([
  '$addFields', '$bucket', '$bucketAuto', '$changeStream', '$changeStreamSplitLargeEvent', '$collStats',
  '$count', '$currentOp', '$densify', '$documents', '$facet', '$fill', '$geoNear', '$graphLookup', '$group',
  '$indexStats', '$limit', '$listCatalog', '$listLocalSessions', '$listSampledQueries', '$listSearchIndexes',
  '$listSessions', '$lookup', '$match', '$merge', '$out', '$planCacheStats', '$project', '$queryStats',
  '$redact', '$replaceRoot', '$replaceWith', '$sample', '$search', '$searchMeta', '$set', '$setWindowFields',
  '$shardedDataDistribution', '$skip', '$sort', '$sortByCount', '$unionWith', '$unset', '$unwind', '$vectorSearch',
]);

/** Stages mingo runs but the embedded database must not: they write to collections mingo cannot reach. */
const REFUSED_STAGES = new Set(['$out', '$merge']);

/** The pipelines a stage carries inside it, which MongoDB parses with the same rules. */
function nestedPipelines(name: string, argument: unknown): unknown[] {
  if (!isPlainObject(argument)) return [];
  if (name === '$facet') return Object.values(argument);
  if (name === '$lookup' || name === '$unionWith') return argument.pipeline === undefined ? [] : [argument.pipeline];
  return [];
}

/**
 * Checks a pipeline the way MongoDB parses one, before it runs (so also on a missing collection):
 * a stage is a document of exactly one field (40323) whose name is a stage MongoDB knows (40324).
 * A stage MongoDB knows that the embedded database cannot run is refused (NotImplemented).
 */
export function assertSupportedPipeline(pipeline: unknown[]): void {
  for (const stage of pipeline) {
    if (!isPlainObject(stage)) throw new CommandError('TypeMismatch', "Each element of the 'pipeline' array must be an object");
    const fields = Object.keys(stage);
    if (fields.length !== 1) {
      throw new CommandError('Location40323', 'A pipeline stage specification object must contain exactly one field.');
    }
    const name = fields[0] as string;
    // `$_internal…` stages are MongoDB's own, known to it but never run here.
    if (!MONGODB_STAGES.has(name) && !name.startsWith('$_')) {
      throw new CommandError('Location40324', `Unrecognized pipeline stage name: '${name}'`);
    }
    if (REFUSED_STAGES.has(name) || !Object.hasOwn(mingoStages, name)) throw notSupported(`The ${name} aggregation stage`);
    for (const nested of nestedPipelines(name, (stage as Document)[name])) {
      if (Array.isArray(nested)) assertSupportedPipeline(nested);
    }
  }
}
