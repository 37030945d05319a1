import type { Tokenizer } from '../tokens/tokenizer.js';
import type { GenerationInput } from './backend.js';

/** The tokens of a request's input as the gateway counts them (chat framing included; token ids count one each). */
export async function countInputTokens(tokenizer: Tokenizer, input: GenerationInput): Promise<number> {
  switch (input.kind) {
    case 'prompt':
      return tokenizer.count(input.prompt);
    case 'chat':
      return tokenizer.countChat(input.messages);
    case 'embedding': {
      // one text after the other: counting yields between slices, so a large input never holds the event loop
      let total = input.tokenIdCount;
      for (const text of input.texts) total += await tokenizer.count(text);
      return total;
    }
  }
}
