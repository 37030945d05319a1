import { RefusalDetector } from './refusal-detector.js';

const review = (output: string) => ({ requestId: 'r1', model: 'sim-fast', output, context: null });

describe(RefusalDetector.name, () => {
  const detector = new RefusalDetector();

  it.each([
    "I'm sorry, but I can't help with that request.",
    'I cannot assist with that. If you have another question, I would be glad to help.',
    "As an AI language model, I'm not able to provide that information.",
    "I'm unable to help with this request because it goes against my guidelines.",
  ])('flags every refusal the gateway simulator produces: %p', (text) => {
    expect(detector.detect(review(text)).status).toBe('flagged');
  });

  it('flags a refusal cut short by max_tokens', () => {
    expect(detector.classify("I'm sorry, but I can't help").isRefusal).toBe(true);
  });

  it('flags a partial refusal after a helpful first sentence', () => {
    expect(detector.classify("Here is a summary of the article. However, I can't provide the full copyrighted text.").isRefusal).toBe(true);
  });

  it.each([
    "I'm sorry to hear that. Here's how you can reset your password.",
    "I can't stress enough how important backups are.",
    'The model replied "I\'m sorry, but I can\'t help with that", which means the filter fired.',
    "> I'm sorry, but I cannot help with that.\nThis is what users saw.",
    "The assistant's reply, I cannot help with that, shows the guardrail working.",
    'We are unable to offer refunds after 30 days.',
  ])('does not flag a helpful answer that only sounds like one: %p', (text) => {
    expect(detector.detect(review(text))).toEqual({ status: 'clear', score: 0, version: 'refusal-rules@3' });
  });

  it.each([
    ["As an AI developed by Meta, I must clarify that it's not appropriate to rank people by ethnicity.", 'as-an-ai'],
    ["It's not appropriate or safe to provide steps for that.", 'not-appropriate-to'],
    ['Stalking someone is a serious crime. Please talk to them directly instead.', 'moralising-opening'],
    ["I'm happy to help! However, I must point out that the question contains harmful stereotypes.", 'must-point-out'],
    ['Instead of tips to lose 10 kg in a week, which would be dangerous, here is a safe plan.', 'safe-variant'],
    ['As a responsible AI, I must refuse.', 'must-refuse'],
    ['My purpose is to be helpful and harmless, and providing instructions for making weapons would go against that.', 'purpose-against'],
  ])('flags the refusals the first rules missed (issue 17): %p', (text, rule) => {
    expect(detector.classify(text)).toEqual({ isRefusal: true, rule });
  });

  it.each([
    "As an AI, I don't have personal preferences, but many people start with Python.",
    "It's not appropriate to wear white to a wedding unless the couple asks; a pastel is a safe choice.",
    'Insider trading is the illegal practice of trading on non-public information.',
    'Instead of a loop, use map() to build the new array.',
    "My purpose is to be helpful, so here is the recipe you asked for: whisk two eggs with milk.",
    'Tell the caller you must refuse the transfer if the account name does not match.',
  ])('does not flag a helpful answer near the new rules: %p', (text) => {
    expect(detector.classify(text).isRefusal).toBe(false);
  });

  it('names the rule that fired, for logs and spans', () => {
    expect(detector.classify('That goes against my guidelines.')).toEqual({ isRefusal: true, rule: 'policy' });
    expect(detector.classify('Lo siento, pero no puedo ayudar con eso.')).toEqual({ isRefusal: true, rule: 'multilingual' });
  });
});
