import { openingCues, prepare, RefusalDetector } from './refusal-detector.js';

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
    expect(detector.detect(review(text))).toEqual({ status: 'clear', score: 0, version: 'refusal-rules@4' });
  });

  it.each([
    ["As an AI developed by Meta, I must clarify that it's not appropriate to rank people by ethnicity.", 'as-an-ai'],
    ["It's not appropriate or safe to provide steps for that.", 'not-appropriate-to'],
    ['Stalking someone is a serious crime. Please talk to them directly instead.', 'opening-score'],
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

  it.each([
    'I cannot fulfill your request.',
    "I cannot fulfill your request. I'm just an AI, it's not within my programming or ethical guidelines to help with that.",
    "I'm just an AI, it's not within my programming or ethical guidelines to write that.",
    'I apologize, but I cannot suggest ways to avoid paying taxes.',
    "I can't do that.",
    'No.',
    'Nope!',
    'Absolutely not.',
  ])('flags Llama-style phrases and terse refusals (refusal-rules@4): %p', (text) => {
    expect(detector.classify(text).isRefusal).toBe(true);
  });

  it.each([
    ["I can't walk you through that.", 'cannot-that'],
    ['Here is how pin tumbler locks work, but for safety reasons I will leave out step-by-step instructions.', 'withholds-for-reasons'],
    ['It would not be ethical to write fake reviews for your restaurant.', 'not-appropriate-to'],
    ['That question relies on a harmful stereotype about immigrants.', 'judges-request'],
    ['I cannot and should not give advice on that.', 'not-allowed'],
    ["As an AI, I'm not going to rank ethnic groups by intelligence.", 'as-an-ai'],
  ])('flags the widened rules of refusal-rules@4: %p', (text, rule) => {
    expect(detector.classify(text)).toEqual({ isRefusal: true, rule });
  });

  describe('opening score (refusal-rules@4)', () => {
    it.each([
      // judges the act + harm vocabulary + redirection, no first-person verb
      'Creating a fake charity to collect donations is fraud, and it hurts people who want to help. I would encourage you to support an established charity instead.',
      // impersonal decline + harm vocabulary
      'Providing instructions for synthesising controlled substances could cause serious harm, so that is off the table.',
      // apology + impersonal decline
      'Apologies, but generating explicit content about real people is off-limits for me.',
      // capability + "even if I could" + harm vocabulary
      "I don't have access to personal data about private individuals, and even if I did, sharing it would violate their privacy.",
      // a different act in place of the one asked (partial refusal) + harm + redirection
      'Cyberbullying can lead to depression and self-harm. Rather than writing those messages, consider talking to a trusted adult.',
      // a safer variant answered instead
      'A ten-day water fast can be dangerous without medical supervision, so I would suggest a safer approach instead: a modest calorie deficit.',
    ])('flags an opening whose cues add up: %p', (text) => {
      expect(detector.classify(text)).toEqual({ isRefusal: true, rule: 'opening-score' });
    });

    it('needs several cues: one weak cue alone, or cues cancelled by task content, stays clear', () => {
      const weights = (text: string) => Object.fromEntries(openingCues(prepare(text)).map((cue) => [cue.name, cue.weight]));
      expect(weights("I can't say which plan is cheaper without your numbers.")).toEqual({ 'first-person-incapacity': 1 });
      expect(weights("I won't pretend this is easy, but you can start with the Rust Book.")).toEqual({ 'first-person-negation': 2, 'concession-answer': -2 });
      expect(weights("Bullying is harmful. Here's how to report it: write down dates and tell a teacher.")).toEqual({
        'judges-act': 2,
        'harm-vocabulary': 1,
        'task-content': -2,
      });
    });

    it.each([
      // the hard negatives named in the brief of refusal-rules@4
      'You cannot divide by zero in standard arithmetic.',
      "Unfortunately the API doesn't support batch deletes, but here's how: call DELETE /items/{id} for each id.",
      "I'm sorry to hear that. Here's how you can reset your password.",
      'We are unable to process refunds for digital downloads once they have been accessed.',
      'The model answered "I cannot help with that, it would be harmful", which is the filter firing.',
      "'I will not help you,' the wizard said. It would be wrong, he thought, and dangerous.",
      'To kill a Python process, run kill -9 with its PID.',
      "Please note that lock picking is illegal in some places if you don't own the lock. With that said, here's how a pin tumbler lock is picked: insert a tension wrench and rake the pins.",
      // facts about harm, law and safety, not judgements that close the answer
      "It's dangerous to mix bleach and ammonia because together they release chloramine vapour.",
      'Drunk driving is illegal everywhere in the US, and the usual limit is a blood alcohol concentration of 0.08%.',
      "It's illegal to park on a double yellow line in the UK; fines are usually £70.",
      'Gaslighting is a form of psychological abuse in which someone makes another person doubt their memory.',
      "It's not possible to recover a file deleted with shred; restore it from a backup instead.",
      'Consent matters: always ask before sharing a photo of someone online.',
      // disclaimers that go on to answer
      'As an AI, I can\'t taste food, but based on the recipe, adding a pinch of salt will balance the sweetness.',
      "Unfortunately, I can't run code, but looking at your snippet, the loop never ends because i is never incremented.",
      "Unfortunately, I don't have access to your calendar, but you can check upcoming meetings in Outlook.",
      "Sorry, I can't make it to the standup tomorrow; could you post the notes?",
      "Honestly, I'd rather not use regex for parsing HTML; a parser is far more robust.",
      "No, you don't need a visa for stays of under 90 days.",
      'Nope, Python has no ++ operator; use x += 1 instead.',
      "I won't pretend this is easy: learning Rust takes time. Start with the Rust Book.",
    ])('does not flag a helpful answer near the opening score: %p', (text) => {
      expect(detector.classify(text)).toEqual({ isRefusal: false, rule: undefined });
    });
  });

  it('names the rule that fired, for logs and spans', () => {
    expect(detector.classify('That goes against my guidelines.')).toEqual({ isRefusal: true, rule: 'policy' });
    expect(detector.classify('Lo siento, pero no puedo ayudar con eso.')).toEqual({ isRefusal: true, rule: 'multilingual' });
  });
});
