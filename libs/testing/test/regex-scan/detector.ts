export const WORDS = /a+b/gu;
export const SHORT = new RegExp('^x{1,3}$');
export const AFTER_DOT = RegExp(String.raw`(?<=\.)\s+`);
export const BUILT = new RegExp(`${WORDS.source}+`);
