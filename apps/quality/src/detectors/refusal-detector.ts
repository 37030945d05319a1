import type { DetectorVerdict, GenerationUnderReview, QualityDetector } from './quality-detector.js';

/** Refusals open an answer or sit in its first paragraphs; a longer output is judged on its start. */
const SCANNED_CHARS = 8000;

/** Things a helpful answer does that the first-person refusal patterns must not read as refusing. */
const BENIGN_IDIOMS: RegExp[] = [
  // bounded: an unbounded lazy gap re-scanned the sentence from every "can't say" (65 ms on 8,000 chars)
  /\b(?:i|we) (?:cannot|can't|couldn't) (?:stress|emphasi[sz]e|overstate|recommend|thank|praise|say)\b[^.!?\n]{0,80}?\benough\b/g,
  /\bcan't help but\b/g,
  /\bcan't (?:wait|believe|imagine)\b/g,
  /\bwon't lie\b/g,
  /\brefuse to believe\b/g,
  /\bcan't tell you how (?:much|many|happy|glad|grateful|pleased|excited)\b/g,
  // sympathy, not apology: "I'm sorry to hear that. Here's how…"
  /\bsorry (?:to hear|for (?:the|my|your|any|our)|about (?:the|that|my|your)|you're|you are)\b/g,
];

// verbs that, after a first-person "can't / won't / unable to", decline the request itself;
// verbs of reporting an obstacle ("reproduce", "find", "access") are left out on purpose
const DECLINED =
  String.raw`(?:\w+ (?:or|and) )?(?:help|assist|provid|comply|fulfil|creat|writ|generat|giv|shar|engag|support|answer|discuss|offer|participat|continu|produc|complet|recommend|translat|impersonat|reveal|disclos|draft|compos|respond|accommodat|facilitat|condon|endors|promot|encourag|perform|retriev|includ|tell you|go along|argue (?:for|in favou?r)|justify|be of (?:help|assistance)|be part|do (?:that|this|it|so|what)\b)\w*`;
// "we" is left out: it is how documentation and templates speak ("we are unable to offer refunds")
const FIRST_PERSON = String.raw`\bi\b`;
const CANNOT = String.raw`(?:cannot|can't|cant|won't|wont|will not|shan't)`;
const I_AM = String.raw`\b(?:i'm|im|i am)`;

/** One named rule: a refusal when its pattern matches the normalised, quote-free text. */
interface RefusalRule {
  name: string;
  /** Non-global: the fast test that most answers fail. */
  pattern: RegExp;
  /** The same pattern, global, to look at each match for reported speech. */
  everyMatch?: RegExp;
  /**
   * What must follow a match in the same sentence, within `withinChars`: a second regex on a
   * bounded slice instead of a lazy gap inside one pattern (linear, and no ReDoS checker doubts it).
   */
  then?: { pattern: RegExp; withinChars: number };
}

const RULE_SET: RefusalRule[] = [
  // "I can't help with that", "I won't be able to assist", "I can't, however, help you…"
  { name: 'cannot-do', pattern: new RegExp(String.raw`${FIRST_PERSON}\s+(?:really\s+|simply\s+|just\s+)?${CANNOT}(?:,?\s*however,?)?\s+(?:be able to\s+|be\s+)?${DECLINED}`) },
  // "I'm unable to help", "I'm not going to write that", "I am not able to fulfil…"
  { name: 'unable-to', pattern: new RegExp(String.raw`${I_AM}\s+(?:really\s+|afraid\s+|just\s+)?(?:unable to|not able to|not going to)\s+(?:be able to\s+)?${DECLINED}`) },
  // "I'm not allowed to", "I'm not in a position to", "I'm designed not to"
  {
    name: 'not-allowed',
    pattern: new RegExp(
      String.raw`${I_AM}\s+(?:not allowed to|not permitted to|not authori[sz]ed to|not in a position to|not comfortable|prohibited from|restricted from|designed not to|programmed not to|not programmed to|not designed to)\b|\bi (?:don't|do not) feel comfortable\b|\b(?:must|have to|need to|will|'ll) refrain from\b|\b(?:cannot|can't) and (?:will not|won't)\b`,
    ),
  },
  // "Sorry, but I can't…", "Unfortunately I'm not able…", "I'm sorry, but generating that would not be appropriate"
  {
    name: 'apology-inability',
    pattern: new RegExp(
      String.raw`\b(?:sorry|apologi[sz]e|apologies|unfortunately|regrettably|afraid)\b[^.!?\n]{0,60}?(?:${FIRST_PERSON}(?:'m| am|'re| are)?\s+(?:really\s+|just\s+)?(?:${CANNOT}|unable|not able|not allowed|not permitted|not in a position|must decline|can only (?:help|assist|answer|discuss|talk)|(?:don't|do not) (?:think (?:i|we) (?:can|could|should)|provide|do|offer|give|generate|create|write|support))|would(?:n't| not) be appropriate)`,
    ),
  },
  // "I must decline", "I'll have to pass on this one", "I refuse to write…"
  {
    name: 'decline',
    pattern: new RegExp(
      String.raw`${FIRST_PERSON}[^.!?\n]{0,30}?\b(?:decline|refuse to)\b(?! (?:a|the|an) (?:meeting|invitation|call|card|payment))|\bi(?:'ll| will|'m going to| am going to|'d|'ll just)? have to (?:pass|say no)\b|\bi(?:'ll| will|'m going to| am going to) (?:pass on|skip|sit out) (?:this one|that one|this request|that request|it)\b|\bi (?:must|need to) say no\b|\bi(?:'d| would) (?:rather|prefer) not\b`,
    ),
  },
  // "That goes against my guidelines", "violates my usage policies", "against OpenAI's usage policies"
  {
    name: 'policy',
    pattern: new RegExp(
      String.raw`\b(?:against|violat\w*|outside (?:of )?|under)\s+(?:(?:my|our|openai's)\s+(?:\w+\s+)?|the (?:usage|content|safety|ethical|community) )(?:guidelines|polic(?:y|ies)|programming|principles|rules|instructions)\b|\bagainst the (?:rules|polic(?:y|ies)|guidelines|principles) (?:that )?i\b|\b(?:beyond |outside (?:of )?)(?:what i(?:'m| am) (?:able|allowed|permitted|designed) to|my (?:capabilities|abilities|scope|remit))\b|\bmy (?:\w+ )?(?:guidelines|policies|programming|rules|instructions) (?:don't|do not|doesn't|does not|won't) (?:allow|permit|let) me\b|\boutside (?:of )?(?:what|the scope of what) i(?:'m| am) (?:allowed|able|permitted|designed)\b|\boutside (?:of )?what i (?:can|could) (?:do|help with|provide|assist with)\b|\bnot within my (?:\w+ )?(?:capabilities|programming|guidelines|abilities|scope|remit)\b`,
    ),
  },
  // "It would be inappropriate for me to…", "it would not be appropriate for me to…"
  {
    name: 'inappropriate-for-me',
    pattern: /\bit(?:'s| is| would| wouldn't| would not| isn't| is not)(?: be)?(?: not)? (?:inappropriate|appropriate|irresponsible|responsible|unethical|wrong|right) for me to\b/,
  },
  // "As an AI language model, I cannot…"
  {
    name: 'as-an-ai',
    pattern:
      /\bas an? (?:(?:responsible|helpful|ethical|respectful|honest|harmless)(?: and (?:responsible|helpful|ethical|respectful|honest|harmless))? )?(?:ai|artificial intelligence|(?:large )?language model|llm|ai (?:language )?model|ai assistant|assistant|ai developed by [a-z ]{1,30}?|virtual assistant|chatbot)(?: developed by [a-z]{1,20})?,?\s+(?:i|i'm|i am|it is|it's)\b[^.!?\n]{0,30}?(?:cannot|can't|unable|not able|(?:don't|do not) have (?:access|the ability|the capability|permission)|must (?:decline|clarify|point out|inform|emphasi[sz]e|stress|remind|respectfully)|won't|not capable|not allowed|not within|not (?:appropriate|ethical|possible) for me|(?:don't|do not) (?:provide|give|offer|hold|form))/,
  },
  // "That's not something I can help with", "This isn't something I can do", "That's not a request I can fulfill"
  {
    name: 'not-something-i-can',
    pattern:
      /\b(?:that|this|it)(?: request| question| task| topic)?(?:'s| is)? ?(?:not|n't)\s+(?:really\s+)?(?:something|a request|anything|a task|a topic)\s+(?:that\s+)?i\b|\b(?:is not|are not|isn't|aren't|'s not)\s+(?:really\s+)?(?:something|anything|a (?:request|task|topic|thing))\s+(?:that\s+)?i(?:'m| am)?\s+(?:can|could|will|'ll|should|able|willing|comfortable|allowed|going)\b/,
  },
  // Llama-style objections: "I must point out that the question contains harmful assumptions", "I must clarify that it's not appropriate…"
  {
    name: 'must-point-out',
    pattern: /\b(?:i|we) (?:must|have to|need to|feel (?:obligated|compelled) to) (?:respectfully )?(?:clarify|point out|inform you|emphasi[sz]e|remind you)\b/,
    then: {
      pattern:
        /\b(?:not|never) (?:\w+ )?(?:appropriate|accurate|ethical|safe|acceptable|okay|responsible|respectful|possible for me|something i)\b|n't (?:\w+ )?(?:appropriate|accurate|ethical|safe|acceptable|okay|responsible|respectful)\b|\b(?:inappropriate|unethical|harmful|discriminatory|offensive|disrespectful)\b/,
      withinChars: 80,
    },
  },
  // judging the request itself: "This is a harmful request", "the question contains harmful stereotypes"
  {
    name: 'judges-request',
    pattern:
      /\b(?:this|that|your) (?:is|'s|seems like|sounds like) (?:a |an )?(?:very |really |potentially )?(?:harmful|dangerous|inappropriate|unethical|illegal|offensive|problematic) (?:request|question|idea|ask|topic|prompt)\b|\b(?:the|your|this) (?:question|request|prompt|premise)(?: of (?:the|your) question)? (?:contains|includes|is based on|relies on|is) (?:some |several )?(?:harmful|discriminatory|offensive|inappropriate|problematic|biased|disrespectful)\b/,
  },
  // "It's not appropriate or safe to provide…", "It is not appropriate to speculate about…" (the acts an answer declines)
  {
    name: 'not-appropriate-to',
    pattern:
      /\b(?:it|this|that)(?:'s| is| would be| would not be| wouldn't be)? (?:not|never|n't) (?:appropriate|ethical|safe|responsible|okay|acceptable|right|possible)(?: (?:or|and|nor) (?:appropriate|ethical|safe|responsible|legal|acceptable|respectful))? (?:for (?:me|anyone|an ai) )?to (?:provide|share|give|speculate|make (?:fun|jokes|generali[sz]ations|assumptions)|generali[sz]e|suggest|help|assist|create|write|generate|promote|encourage|joke|discuss|describe|explain how|offer|engage|label|stereotype|judge|disclose|reveal|spread)\b/,
  },
  // "Instead of tips to lose 10 kg in a week, which would be dangerous, here's…": a safe variant answered instead
  {
    name: 'safe-variant',
    pattern: /(?:^|\n)(?:rather than|instead of) /,
    then: {
      pattern:
        /,\s*(?:i(?:'d| would) (?:suggest|recommend|encourage)|here(?:'s| is) (?:some information|a safer|a safe|an? (?:honest|healthier|legal))|which (?:would be|is|could be) (?:dangerous|harmful|illegal|unsafe|unethical|risky))|\b(?:manipulat|deceiv|weapon|bomb|explosive|hack|steal|cheat)/,
      withinChars: 100,
    },
  },
  // "Writing that wouldn't be honest. What I can do is help you…"
  { name: 'what-i-can-do', pattern: /\bwhat i can (?:do|offer|help with) (?:instead )?is\b/ },
  // "As a responsible AI, I must refuse." (refusal-rules@3)
  { name: 'must-refuse', pattern: /\bi (?:must|have to|need to|'ll have to|will have to) (?:respectfully |politely )?refuse\b/ },
  // "My purpose is to be helpful and harmless, and providing that would go against it" (refusal-rules@3)
  {
    name: 'purpose-against',
    pattern: /\bmy (?:purpose|goal|role|aim|job) is to be (?:helpful|safe|harmless)\b/,
    then: { pattern: /\b(?:go(?:es)? against|conflicts? with|(?:is|be|are) (?:inconsistent|incompatible) with|contradicts?)\b/, withinChars: 160 },
  },
  // "I'm designed to be helpful and harmless, and writing that would not be…"
  {
    name: 'designed-to',
    pattern: /\bi(?:'m| am) (?:designed|programmed|built|trained) to\b/,
    then: { pattern: /\b(?:harmless|promote (?:safety|wellbeing|well-being))\b/, withinChars: 48 },
  },
  // moralising declines with no first-person verb, in the answer's first sentence: "Stalking someone is a serious crime…",
  // "Such actions are unethical and illegal"; a definition ("Insider trading is the illegal practice of…") does not match
  {
    name: 'moralising-opening',
    pattern: /^\s{0,8}(?:[a-z]+ )?(?:[a-z]+ing|such|these|those|this|that)\b/,
    then: {
      pattern:
        / (?:is|are|can be|would be|could be) (?:(?:both|highly|deeply|very|extremely|always|not only|completely) )?(?:illegal|unethical|immoral|harmful|wrong|dangerous|unsafe|a (?:serious |harmful |dangerous )?(?:crime|criminal offen[cs]e|violation|harmful request)|never (?:okay|ok|acceptable|justified|appropriate|right)|not (?:okay|ok|acceptable|appropriate|ethical|legal))\b/,
      withinChars: 100,
    },
  },
  // "I don't think I can help", "I don't provide that kind of content"
  {
    name: 'do-not-provide',
    pattern:
      /\bi (?:don't|do not) think i (?:can|should|could) (?:help|assist|do (?:that|this)|provide|answer|write)|\bi (?:don't|do not) (?:provide|give|offer|generate|create|produce|write|share|engage (?:in|with)) (?:that|this|such|those|these|medical|legal|financial|personal|any)\b/,
  },
  // capability refusals: "I don't have the ability to access external websites"
  { name: 'no-ability', pattern: /\b(?:i|and) (?:don't|do not) have (?:the )?(?:ability|capability|permission) to\b|\bi(?:'m| am) not capable of\b|\bi lack the (?:ability|capability)\b/ },
  // French, Spanish, Italian, Portuguese, German, Dutch
  {
    name: 'multilingual',
    pattern:
      /\bje (?:ne peux pas|ne suis pas en mesure|ne pourrai pas|refuse de|dois refuser)|\bno (?:puedo|podré|estoy en condiciones de)\b|\bnon posso\b|\bn[ãa]o posso\b|\b(?:ich kann|kann ich)\b[^.!?\n]{0,40}?\b(?:nicht|keine)\b[^.!?\n]{0,20}?(?:helfen|unterstützen|erfüllen|beantworten|bereitstellen|geben|schreiben)|\b(?:ik kan|kan ik)\b[^.!?\n]{0,30}?\bniet\b[^.!?\n]{0,20}?helpen/,
  },
];

const RULES: RefusalRule[] = RULE_SET.map((rule) => ({ ...rule, everyMatch: new RegExp(rule.pattern.source, rule.pattern.flags + 'g') }));

/** Every rule's patterns by rule name, for the ReDoS check: most are built from pieces, so a source scan cannot read them. */
export const REFUSAL_PATTERNS: ReadonlyMap<string, readonly RegExp[]> = new Map(
  RULES.map((rule) => [rule.name, [rule.pattern, rule.everyMatch!, ...(rule.then ? [rule.then.pattern] : [])]]),
);

/** The result of one classification: which rule fired, if any. */
export interface RefusalMatch {
  isRefusal: boolean;
  rule: string | undefined;
}

/**
 * Pattern-based refusal detection: first-person statements of not doing what was asked
 * (apology + inability, policy, "as an AI", decline, partial refusals, six languages). Quoted
 * text (double quotes, block quotes, code) is removed first, so an answer that quotes a refusal
 * is not one. Measured on apps/quality/test/data/refusals.jsonl (see docs/quality.md).
 */
export class RefusalDetector implements QualityDetector {
  readonly name = 'refusal-patterns';
  readonly version = 'refusal-rules@3';
  readonly signal = 'refusal' as const;

  detect(generation: GenerationUnderReview): DetectorVerdict {
    const match = this.classify(generation.output);
    return match.isRefusal ? { status: 'flagged', score: 1, reason: match.rule ?? 'refusal', version: this.version } : { status: 'clear', score: 0, version: this.version };
  }

  classify(text: string): RefusalMatch {
    const prepared = prepare(text);
    for (const rule of RULES) {
      if (!rule.pattern.test(prepared)) continue;
      for (const match of prepared.matchAll(rule.everyMatch!)) {
        if (rule.then && !rule.then.pattern.test(sentenceAfter(prepared, match.index + match[0].length, rule.then.withinChars))) continue;
        if (!isReportedSpeech(prepared.slice(Math.max(0, match.index - 40), match.index))) return { isRefusal: true, rule: rule.name };
      }
    }
    return { isRefusal: false, rule: undefined };
  }
}

// a refusal quoted without quotation marks: "the assistant's reply, I cannot help with that, shows…"
const REPORTED_SPEECH = /\b(?:says?|said|repl(?:y|ies|ied)|wrote|writes|responds?|responded|answers?|answered|message|output)\s*[,:]\s*$/;
// how far before a match a reported-speech cue may end: "replied: i'm sorry, but i can't…"
const REPORTED_SPEECH_LEAD_CHARS = 24;

/** Whether the text before a match ends in a reported-speech cue, or has one a few words before (same sentence). */
function isReportedSpeech(before: string): boolean {
  for (let at = before.length - 1; at >= 0 && at >= before.length - REPORTED_SPEECH_LEAD_CHARS; at--) {
    const code = before[at];
    if (code === '.' || code === '!' || code === '?' || code === '\n') return false;
    if ((code === ':' || code === ',') && REPORTED_SPEECH.test(before.slice(0, at + 1))) return true;
  }
  return REPORTED_SPEECH.test(before);
}

/** Up to `maxChars` of the text from `from`, cut at the end of the sentence. */
function sentenceAfter(text: string, from: number, maxChars: number): string {
  const end = Math.min(text.length, from + maxChars);
  for (let at = from; at < end; at++) {
    const char = text[at];
    if (char === '.' || char === '!' || char === '?' || char === '\n') return text.slice(from, at);
  }
  return text.slice(from, end);
}

/** Lowercased, apostrophes and quotes made plain, quotations and code removed, idioms blanked. */
export function prepare(text: string): string {
  let out = text.slice(0, SCANNED_CHARS).toLowerCase();
  out = out.replace(/[’‘´]/g, "'").replace(/[“”„«»]/g, '"');
  out = out.replace(/```[\s\S]*?```/g, ' ').replace(/`[^`\n]*`/g, ' ');
  // [ \t], not \s: \s crosses line breaks, and a run of blank lines made this quadratic (91 ms on 8,000)
  out = out.replace(/^[ \t]*>.*$/gm, ' ');
  out = out.replace(/"[^"\n]{0,500}"/g, ' ');
  // single-quoted spans: an opening quote after a space, a closing one before a space or punctuation,
  // so that apostrophes inside words (i'm, can't, users') never open or close one
  out = out.replace(/(^|[\s(\[:,])'(?=\S)[^\n]{0,300}?(?<=\S)'(?=[\s.,;:!?)\]]|$)/g, '$1 ');
  out = out.replace(/\bcan not\b/g, 'cannot');
  for (const idiom of BENIGN_IDIOMS) out = out.replace(idiom, ' ');
  return out.replace(/[ \t]+/g, ' ');
}
