import {
  isObjectType,
  Kind,
  print,
  validate,
  type DefinitionNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
} from 'graphql';

/**
 * What is wrong with a README example against the schema, one line each (none when it holds): an
 * operation must validate; an excerpt of the schema (`type Subscription { … }`) must show each of
 * the type's fields, with exactly the schema's arguments and types.
 */
export function schemaProblems(schema: GraphQLSchema, document: DocumentNode): string[] {
  const executable = document.definitions.some((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  return executable ? validate(schema, document).map((error) => error.message) : document.definitions.flatMap((definition) => excerptProblems(schema, definition));
}

function excerptProblems(schema: GraphQLSchema, definition: DefinitionNode): string[] {
  if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) return [`a ${definition.kind} is neither an operation nor an excerpt of an object type`];
  const type = schema.getType(definition.name.value);
  if (!isObjectType(type)) return [`the schema has no type ${definition.name.value}`];
  const fields = type.getFields();
  const shown = new Map((definition.fields ?? []).map((field) => [field.name.value, field]));
  const wrong = [...shown.values()].flatMap((field) => {
    const actual = fields[field.name.value];
    if (!actual) return [`${type.name}.${field.name.value} is not in the schema`];
    return shownSignature(field) === signature(actual) ? [] : [`${type.name}.${shownSignature(field)} is ${type.name}.${signature(actual)} in the schema`];
  });
  const missing = Object.values(fields)
    .filter((field) => !shown.has(field.name))
    .map((field) => `${type.name}.${signature(field)} is missing`);
  return [...wrong, ...missing];
}

/** Arguments in name order, so that an excerpt may list them in any order. */
const signature = (field: GraphQLField<unknown, unknown>) =>
  `${field.name}(${field.args.map((argument) => `${argument.name}: ${String(argument.type)}`).sort().join(', ')}): ${String(field.type)}`;

const shownSignature = (field: FieldDefinitionNode) =>
  `${field.name.value}(${(field.arguments ?? []).map((argument) => `${argument.name.value}: ${print(argument.type)}`).sort().join(', ')}): ${print(field.type)}`;
