import type { Tokenizer } from '../tokens/tokenizer.js';
import type { GenerationInput } from './backend.js';

/** The tokens of a request's input as the gateway counts them (chat framing included; token ids count one each). */
export function countInputTokens(tokenizer: Tokenizer, input: GenerationInput): number {
  switch (input.kind) {
    case 'prompt':
      return tokenizer.count(input.prompt);
    case 'chat':
      return tokenizer.countChat(input.messages);
    case 'embedding':
      return input.texts.reduce((sum, text) => sum + tokenizer.count(text), input.tokenIdCount);
  }
}
