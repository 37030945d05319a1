/** Injection token of the served models' PriceTable. */
export const PRICE_TABLE = Symbol('PRICE_TABLE');
