import { evalExpr } from 'mingo/core';
import type { Options } from 'mingo/types';
import { type Document, isPlainObject, toView } from './bson-values.js';
import { CommandError } from './errors.js';
import { Query, queryOptions } from './mingo/context.js';
import { type PositionalMatcher, positionalMatcher, replacedAt } from './projection-positional.js';
import { type PathNode, type ProjectionType, parseProjection } from './projection-spec.js';

/**
 * find projections, executed as MongoDB 7.0's projection executor does (projection_node.cpp,
 * projection_executor_utils.cpp), on the typed documents so projected values keep their BSON types:
 *
 * - included fields come out in the document's order (not the projection's), through arrays of
 *   subdocuments (scalars dropped, nested arrays entered); excluded fields are removed likewise;
 * - computed fields (expressions, literals, `$elemMatch`) are set after, in projection order,
 *   from the original document;
 * - `$slice` and `.$` then apply to the projected document, in projection order.
 *
 * mingo's own projection is its `$project` stage, whose rules are aggregation's, not find's.
 */
export type ProjectionOptions = {
  /** The command's filter: the positional projection returns the element it matched. */
  filter?: Document | undefined;
  variables?: Document | undefined;
};

/** A value the output must not carry (a field dropped, an array element left out). */
const MISSING = Symbol('missing');

type Computed = (root: { view: Document; typed: Document }) => unknown;

type ExecutionNode = {
  /** Included fields (inclusion) or excluded ones (exclusion). */
  projected: Set<string>;
  children: Map<string, ExecutionNode>;
  computed: Map<string, Computed>;
  /** Children and computed fields, in the order the projection named them. */
  order: string[];
  containsComputed: boolean;
};

type PostStep =
  | { kind: 'slice'; path: string[]; skip: number | undefined; limit: number }
  | { kind: 'positional'; path: string[]; matcher: PositionalMatcher };

function newExecutionNode(): ExecutionNode {
  return { projected: new Set(), children: new Map(), computed: new Map(), order: [], containsComputed: false };
}

function childAt(node: ExecutionNode, field: string): ExecutionNode {
  let child = node.children.get(field);
  if (!child) {
    child = newExecutionNode();
    node.children.set(field, child);
    node.order.push(field);
  }
  return child;
}

function addProjection(root: ExecutionNode, path: readonly string[]): void {
  const parents = path.slice(0, -1).reduce(childAt, root);
  parents.projected.add(path.at(-1) as string);
}

function addComputed(root: ExecutionNode, path: readonly string[], computed: Computed): void {
  let node = root;
  node.containsComputed = true;
  for (const component of path.slice(0, -1)) {
    node = childAt(node, component);
    node.containsComputed = true;
  }
  const field = path.at(-1) as string;
  node.computed.set(field, computed);
  node.order.push(field);
}

function expressionValue(expression: unknown, variables: Document | undefined): Computed {
  const viewExpression = toView(expression);
  // evalExpr completes partial options with mingo's defaults (ComputeOptions.init), as mingo's own callers rely on.
  const options = queryOptions(variables) as Options;
  return ({ view }) => evalExpr(view, viewExpression, options) ?? MISSING;
}

/** find()'s `$elemMatch`: the first element of the top-level array matching the condition, else no field. */
function elemMatchValue(field: string, condition: Document, variables: Document | undefined): Computed {
  const query = new Query({ [field]: { $elemMatch: toView(condition) } }, queryOptions(variables));
  return ({ view, typed }) => {
    const elements = view[field];
    if (!Array.isArray(elements)) return MISSING;
    const index = elements.findIndex((element) => query.test({ [field]: [element] }));
    return index < 0 ? MISSING : [(typed[field] as unknown[])[index]];
  };
}

type Executor = { type: ProjectionType; root: ExecutionNode; post: PostStep[] };

function buildExecutor(spec: Document, options: ProjectionOptions): Executor {
  const { type, root: tree } = parseProjection(spec);
  const root = newExecutionNode();
  const post: PostStep[] = [];
  const walk = (node: PathNode, prefix: string[]) => {
    for (const [field, child] of node.children) {
      const path = [...prefix, field];
      switch (child.kind) {
        case 'path':
          walk(child, path);
          break;
        case 'include':
          addProjection(root, path);
          break;
        case 'exclude':
          // An inclusion excludes nothing but `_id`, which it then just does not include.
          if (type === 'exclusion') addProjection(root, path);
          break;
        case 'expression':
          addComputed(root, path, expressionValue(child.expression, options.variables));
          break;
        case 'constant':
          addComputed(root, path, () => child.value);
          break;
        case 'elemMatch':
          addComputed(root, path, elemMatchValue(field, child.condition, options.variables));
          break;
        case 'slice':
          // In an exclusion the sliced array is there already.
          if (type === 'inclusion') addProjection(root, path);
          post.push({ kind: 'slice', path, skip: child.skip, limit: child.limit });
          break;
        case 'positional':
          addProjection(root, path);
          post.push({ kind: 'positional', path, matcher: positionalMatcher(toView(options.filter ?? {}), path, options.variables) });
          break;
      }
    }
  };
  walk(tree, []);
  return { type, root, post };
}

function skipped(type: ProjectionType, value: unknown): unknown {
  return type === 'inclusion' ? MISSING : value;
}

function applyProjections(type: ProjectionType, node: ExecutionNode, input: Document): Document {
  const output: Document = type === 'inclusion' ? {} : { ...input };
  for (const [field, value] of Object.entries(input)) {
    const child = node.children.get(field);
    if (node.projected.has(field)) output[field] = type === 'inclusion' ? value : MISSING;
    else if (child) output[field] = applyProjectionsToValue(type, child, value);
  }
  return output;
}

function applyProjectionsToValue(type: ProjectionType, node: ExecutionNode, value: unknown): unknown {
  if (isPlainObject(value)) return applyProjections(type, node, value);
  if (Array.isArray(value)) return value.map((element) => applyProjectionsToValue(type, node, element));
  // Projecting below a scalar, such as { 'a.b': 1 } over { a: 2 }.
  return skipped(type, value);
}

type Root = { view: Document; typed: Document };

function applyComputed(type: ProjectionType, node: ExecutionNode, root: Root, output: Document): Document {
  for (const field of node.order) {
    const child = node.children.get(field);
    const computed = node.computed.get(field);
    if (child) output[field] = applyComputedToValue(type, child, root, Object.hasOwn(output, field) ? output[field] : MISSING);
    else if (computed) output[field] = computed(root);
  }
  return output;
}

function applyComputedToValue(type: ProjectionType, node: ExecutionNode, root: Root, value: unknown): unknown {
  if (isPlainObject(value)) return applyComputed(type, node, root, { ...value });
  if (Array.isArray(value)) return value.map((element) => applyComputedToValue(type, node, root, element));
  // A computed field below a scalar or a missing field replaces it: { 'a.b': { $literal: 1 } } over { a: 1 } gives { a: { b: 1 } }.
  if (node.containsComputed) return applyComputed(type, node, root, {});
  return value === MISSING ? MISSING : skipped(type, value);
}

function withoutMissing(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((element) => element !== MISSING).map(withoutMissing);
  if (!isPlainObject(value)) return value;
  const output: Document = {};
  for (const [field, item] of Object.entries(value)) if (item !== MISSING) output[field] = withoutMissing(item);
  return output;
}

/** find()'s slice of one array: `limit` from the start (the end when negative), or `limit` after `skip`. */
function sliceArray(array: unknown[], skip: number | undefined, limit: number): unknown[] {
  const length = array.length;
  if (skip === undefined) return limit < 0 ? array.slice(Math.max(0, length + limit)) : array.slice(0, limit);
  const start = skip < 0 ? Math.max(0, length + skip) : Math.min(length, skip);
  return array.slice(start, start + limit);
}

/** `$slice` along a path: the array at its end is cut; arrays on the way apply it to each subdocument (not to nested arrays). */
function sliceAt(input: Document, path: readonly string[], skip: number | undefined, limit: number): Document {
  const [field, ...rest] = path as [string, ...string[]];
  if (!Object.hasOwn(input, field)) return input;
  let value = input[field];
  if (Array.isArray(value)) {
    value = rest.length === 0 ? sliceArray(value, skip, limit) : value.map((element) => (isPlainObject(element) ? sliceAt(element, rest, skip, limit) : element));
  } else if (isPlainObject(value) && rest.length > 0) {
    value = sliceAt(value, rest, skip, limit);
  }
  return { ...input, [field]: value };
}

/** `.$`: the first array on the path becomes the one element the query matched in it. */
function positionalAt(output: Document, path: readonly string[], index: number | undefined): Document {
  let current: unknown = output;
  for (const [depth, component] of path.entries()) {
    if (!isPlainObject(current)) return output;
    current = current[component];
    if (Array.isArray(current)) {
      if (index === undefined) throw new CommandError('Location51246', "positional operator '.$' couldn't find a matching element in the array");
      if (index >= current.length) throw new CommandError('Location51247', "positional operator '.$' element mismatch");
      return replacedAt(output, path.slice(0, depth + 1), [current[index]]);
    }
  }
  return output;
}

/** Compiles a find projection once (refusing it as MongoDB would, even before any document) for many documents. */
export function compileProjection(spec: Document | undefined, options: ProjectionOptions = {}): (document: Document) => Document {
  if (!spec || Object.keys(spec).length === 0) return (document) => document;
  const { type, root, post } = buildExecutor(spec, options);
  return (typed) => {
    const view = toView(typed);
    let output = applyProjections(type, root, typed);
    if (root.containsComputed) output = applyComputed(type, root, { view, typed }, output);
    output = withoutMissing(output) as Document;
    for (const step of post) {
      output = step.kind === 'slice' ? sliceAt(output, step.path, step.skip, step.limit) : positionalAt(output, step.path, step.matcher(view));
    }
    return output;
  };
}

export function projectDocuments(documents: Document[], spec: Document | undefined, options: ProjectionOptions = {}): Document[] {
  return documents.map(compileProjection(spec, options));
}
