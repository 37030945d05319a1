import type { Tokenizer } from '../tokens/tokenizer.js';
import type { GenerationInput } from './backend.js';

/** The tokens of a request's input as the gateway counts them (chat framing included; token ids count one each). */
export async function countInputTokens(tokenizer: Tokenizer, input: GenerationInput): Promise<number> {
  switch (input.kind) {
    case 'prompt':
      return tokenizer.count(input.prompt);
    case 'chat':
      return tokenizer.countChat(input.messages);
    case 'embedding':
      // one time slice for all texts: 2,048 short ones must yield as one long one does
      return input.tokenIdCount + (await tokenizer.countAll(input.texts));
  }
}
