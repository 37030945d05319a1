export const IN_A_TEST = /(a+)+$/;
