export const EITHER = /c|d/i;
