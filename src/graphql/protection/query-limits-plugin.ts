import type { Plugin } from 'graphql-yoga';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { depthLimitRule } from './depth-limit-rule.ts';
import { operationCost, type CostOptions } from './operation-cost.ts';

export interface QueryLimits extends CostOptions {
  maxDepth: number;
  maxCost: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 10, maxCost: 5_000, assumedListSize: 10, assumedPageSize: 50 };

/**
 * Depth is checked with the other validation rules; cost needs the variables (a page size is
 * usually one), so it is checked just before execution or subscription, over HTTP and WebSocket.
 */
export function useQueryLimits(limits: QueryLimits = DEFAULT_QUERY_LIMITS): Plugin {
  const tooCostly = (args: ExecutionArgs): GraphQLError | null => {
    const cost = operationCost(args.schema, args.document, args.operationName, args.variableValues, limits);
    return cost > limits.maxCost
      ? new GraphQLError(`Operation costs ${cost}; at most ${limits.maxCost} is allowed. Ask for smaller pages or fewer nested lists.`, {
          extensions: { code: 'QUERY_TOO_COSTLY', cost, maxCost: limits.maxCost },
        })
      : null;
  };
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(depthLimitRule(limits.maxDepth));
    },
    onExecute({ args, setResultAndStopExecution }) {
      const error = tooCostly(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = tooCostly(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
