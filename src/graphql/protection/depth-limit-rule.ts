import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';

/**
 * Refuses operations nested deeper than `maxDepth` fields, following fragments. Introspection
 * fields (`__schema`, `__type`) are not counted: GraphiQL's introspection query is deep by design.
 */
export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const depth = depthOf(operation.selectionSet, context, new Set());
      if (depth > maxDepth) {
        context.reportError(
          new GraphQLError(`Operation is ${depth} levels deep; at most ${maxDepth} are allowed`, {
            nodes: [operation],
            extensions: { code: 'QUERY_TOO_DEEP', depth, maxDepth },
          }),
        );
      }
    },
  });
}

function depthOf(selectionSet: SelectionSetNode, context: ValidationContext, fragments: ReadonlySet<string>): number {
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      const below = selection.selectionSet ? depthOf(selection.selectionSet, context, fragments) : 0;
      deepest = Math.max(deepest, 1 + below);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, context, fragments));
    } else {
      const name = selection.name.value;
      const fragment = context.getFragment(name);
      // A fragment cycle is reported by graphql's own NoFragmentCycles rule; do not loop on it here.
      if (!fragment || fragments.has(name)) continue;
      deepest = Math.max(deepest, depthOf(fragment.selectionSet, context, new Set([...fragments, name])));
    }
  }
  return deepest;
}
