/** Injection token of the LabelGuard over the models in MODELS_FILE (the `model` label's closed set). */
export const MODEL_LABELS = Symbol('MODEL_LABELS');
