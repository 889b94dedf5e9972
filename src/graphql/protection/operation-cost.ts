import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export interface CostOptions {
  /** Items assumed for a list with no `first`/`limit` argument (a timeline, a stats table). */
  assumedListSize: number;
  /** Items assumed for a page argument left out (the connection's default page). */
  assumedPageSize: number;
}

const PAGE_ARGUMENTS = ['first', 'limit'];
// A connection's `first` already counts its items; its edges and nodes lists do not multiply again.
const CONNECTION_LISTS = new Set(['edges', 'nodes']);

/**
 * An estimate of the work an operation asks for, with its variables: each object returned costs
 * 1, scalars nothing, and a list multiplies what is under it by its page size. A page of 200
 * notifications with their timelines costs about 200 x 14.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  options: CostOptions,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const operation = document.definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;

  const costOf = (selectionSet: SelectionSetNode, parent: GraphQLNamedType, seen: ReadonlySet<string>): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__') || !(isObjectType(parent) || isInterfaceType(parent))) continue;
        const field = parent.getFields()[name];
        if (!field || !isCompositeType(getNamedType(field.type))) continue;
        const below = selection.selectionSet ? costOf(selection.selectionSet, getNamedType(field.type), seen) : 0;
        total += multiplier(field, name, selection.arguments ?? [], variables, options) * (1 + below);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        total += costOf(selection.selectionSet, type ?? parent, seen);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        const type = schema.getType(fragment.typeCondition.name.value) ?? parent;
        total += costOf(fragment.selectionSet, type, new Set([...seen, fragment.name.value]));
      }
    }
    return total;
  };
  return costOf(operation.selectionSet, root, new Set());
}

function multiplier(
  field: GraphQLField<unknown, unknown>,
  name: string,
  args: readonly { name: { value: string }; value: ValueNode }[],
  variables: Record<string, unknown> | null | undefined,
  options: CostOptions,
): number {
  const pageArg = field.args.find((a) => PAGE_ARGUMENTS.includes(a.name));
  if (pageArg) {
    const given = args.find((a) => a.name.value === pageArg.name);
    const value = given ? valueFromAST(given.value, pageArg.type, variables ?? undefined) : pageArg.defaultValue;
    return typeof value === 'number' && value > 0 ? value : options.assumedPageSize;
  }
  if (isListType(getNullableType(field.type)) && !CONNECTION_LISTS.has(name)) return options.assumedListSize;
  return 1;
}
