export {
  PriceTable,
  tokenCostUsd,
  type CostBasis,
  type ModelPricing,
  type RequestCost,
  type TokenPrice,
  type TokenUsage,
} from './price-table.js';
export { costDayOf, nextMidnightAfter, secondsUntilNextMidnight } from './cost-day.js';
