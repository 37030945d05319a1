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
export { foldTopSpenders, OTHER_SPENDERS, type SpendSeries } from './top-spenders.js';
export {
  GpuTimeCostCalculator,
  gpuSecondsIn,
  type GpuTimeAttribution,
  type GpuTimeCostOptions,
  type GpuTimeRequest,
  type GpuTimeSample,
  type GpuTimeWindow,
  type RequestGpuCost,
  type WindowGpuCost,
} from './gpu-time-cost.js';
export { CostCalendar } from './cost-calendar.js';
