import type { DetectorVerdict, GenerationUnderReview, QualityDetector } from './quality-detector.js';

/** Refusals open an answer or sit in its first paragraphs; a longer output is judged on its start. */
const SCANNED_CHARS = 8000;

/** Things a helpful answer does that the first-person refusal patterns must not read as refusing. */
const BENIGN_IDIOMS: RegExp[] = [
  // bounded: an unbounded lazy gap re-scanned the sentence from every "can't say" (65 ms on 8,000 chars)
  /\b(?:i|we) (?:cannot|can't|couldn't) (?:stress|emphasi[sz]e|overstate|recommend|thank|praise|say)\b[^.!?\n]{0,80}?\benough\b/g,
  /\bcan't help but\b/g,
  // absence, not refusal: "Sorry, I can't make it to the standup"
  /\b(?:can't|cannot|won't be able to) (?:make it|attend|join you)\b/g,
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

// verbs of what an assistant cannot physically do ("I can't taste food"): a disclaimer, not a refusal
const CAPABILITY = String.raw`(?:taste|smell|see|hear|feel|touch|eat|drink|browse|run|execute|access|open|view|remember|experience|predict|know|guarantee|verify|confirm|find|reproduce|say (?:for sure|for certain|which|whether|exactly)|be (?:sure|certain))\b`;

// after a capability "can't" ("I can't run code"), a clause that goes on to answer: "…, but looking at your snippet…"
const DISCLAIMER_THEN_ANSWER = {
  pattern: new RegExp(String.raw`^\s{0,2}${CAPABILITY}[^,;.!?\n]{0,80}[,;]\s{0,2}(?:but|however)\b(?!,?\s{1,2}i\s{1,2}(?:can't|cannot|won't|will not|am not|'m not|must))`),
  withinChars: 160,
};

/** The whole answer is a bare no: "No.", "Nope!", "Absolutely not." */
const TERSE_REFUSAL = /^\s{0,8}(?:no|nope|absolutely not|definitely not|certainly not|not a chance|no way|sorry,? no|no,? sorry)[.!]{0,3}\s{0,8}$/;

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
  /** What must not follow a match in the same sentence (a disclaimer going on to answer: "I can't run code, but…"). */
  unless?: { pattern: RegExp; withinChars: number };
}

const RULE_SET: RefusalRule[] = [
  // "I can't help with that", "I won't be able to assist", "I can't, however, help you…"
  { name: 'cannot-do', pattern: new RegExp(String.raw`${FIRST_PERSON}\s+(?:really\s+|simply\s+|just\s+)?${CANNOT}(?:,?\s*however,?)?\s+(?:be able to\s+|be\s+)?${DECLINED}`) },
  // any verb with the request as its object, closing the clause: "I can't walk you through that.", "I won't do this, but…" (refusal-rules@4)
  {
    name: 'cannot-that',
    pattern: new RegExp(String.raw`${FIRST_PERSON}\s+${CANNOT}\s+(?!${CAPABILITY})[a-z]{2,20}(?: you)?(?: through| with| on| into)? (?:that|this|it)(?: one| request)?(?=\s?[.,;!]|\s?$)`),
  },
  // "I'm unable to help", "I'm not going to write that", "I am not able to fulfil…"
  { name: 'unable-to', pattern: new RegExp(String.raw`${I_AM}\s+(?:really\s+|afraid\s+|just\s+)?(?:unable to|not able to|not going to)\s+(?:be able to\s+)?${DECLINED}`) },
  // "I'm not allowed to", "I'm not in a position to", "I'm designed not to"
  {
    name: 'not-allowed',
    pattern: new RegExp(
      String.raw`${I_AM}\s+(?:not allowed to|not permitted to|not authori[sz]ed to|not in a position to|not comfortable|prohibited from|restricted from|designed not to|programmed not to|not programmed to|not designed to)\b|\bi (?:don't|do not) feel comfortable\b|\b(?:must|have to|need to|will|'ll) refrain from\b|\b(?:cannot|can't) and (?:will not|won't|should not|shouldn't|must not)\b`,
    ),
  },
  // "Sorry, but I can't…", "Unfortunately I'm not able…", "I'm sorry, but generating that would not be appropriate"
  {
    name: 'apology-inability',
    unless: DISCLAIMER_THEN_ANSWER,
    pattern: new RegExp(
      String.raw`\b(?:sorry|apologi[sz]e|apologies|unfortunately|regrettably|afraid)\b[^.!?\n]{0,60}?(?:${FIRST_PERSON}(?:'m| am|'re| are)?\s+(?:really\s+|just\s+)?(?:${CANNOT}|unable|not able|not allowed|not permitted|not in a position|must decline|can only (?:help|assist|answer|discuss|talk)|(?:don't|do not) (?:think (?:i|we) (?:can|could|should)|provide|do|offer|give|generate|create|write|support))|would(?:n't| not) be appropriate)`,
    ),
  },
  // "I must decline", "I'll have to pass on this one", "I refuse to write…"
  {
    name: 'decline',
    pattern: new RegExp(
      String.raw`${FIRST_PERSON}[^.!?\n]{0,30}?\b(?:decline|refuse to)\b(?! (?:a|the|an) (?:meeting|invitation|call|card|payment))|\bi(?:'ll| will|'m going to| am going to|'d|'ll just)? have to (?:pass|say no)\b|\bi(?:'ll| will|'m going to| am going to) (?:pass on|skip|sit out) (?:this one|that one|this request|that request|it)\b|\bi (?:must|need to) say no\b|\bi(?:'d| would) (?:rather|prefer) not(?: to)? (?:${DECLINED}|get into|go into|comment|speculate)`,
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
    unless: DISCLAIMER_THEN_ANSWER,
    pattern:
      /\bas an? (?:(?:responsible|helpful|ethical|respectful|honest|harmless)(?: and (?:responsible|helpful|ethical|respectful|honest|harmless))? )?(?:ai|artificial intelligence|(?:large )?language model|llm|ai (?:language )?model|ai assistant|assistant|ai developed by [a-z ]{1,30}?|virtual assistant|chatbot)(?: developed by [a-z]{1,20})?,?\s+(?:i|i'm|i am|it is|it's)\b[^.!?\n]{0,30}?(?:cannot|can't|unable|not able|not going to|(?:don't|do not) have (?:access|the ability|the capability|permission)|must (?:decline|clarify|point out|inform|emphasi[sz]e|stress|remind|respectfully)|won't|not capable|not allowed|not within|not (?:appropriate|ethical|possible) for me|(?:don't|do not) (?:provide|give|offer|hold|form))/,
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
      /\b(?:this|that|your) (?:is|'s|seems like|sounds like) (?:a |an )?(?:very |really |potentially )?(?:harmful|dangerous|inappropriate|unethical|illegal|offensive|problematic) (?:request|question|idea|ask|topic|prompt)\b|\b(?:the|your|this|that) (?:question|request|prompt|premise)(?: of (?:the|your) question)? (?:contains|includes|is based on|relies on|rests on|is|promotes|reinforces) (?:a |an |some |several )?(?:harmful|discriminatory|offensive|inappropriate|problematic|biased|disrespectful)\b/,
  },
  // "It's not appropriate or safe to provide…", "It is not appropriate to speculate about…" (the acts an answer declines)
  {
    name: 'not-appropriate-to',
    pattern:
      /\b(?:it|this|that)(?:'s| is| would be| would| will be| was)? (?:not|never|n't)(?: be)? (?:appropriate|ethical|safe|responsible|okay|acceptable|right|possible)(?: (?:or|and|nor) (?:appropriate|ethical|safe|responsible|legal|acceptable|respectful))? (?:for (?:me|anyone|an ai) )?to (?:provide|share|give|speculate|make (?:fun|jokes|generali[sz]ations|assumptions)|generali[sz]e|suggest|help|assist|create|write|generate|promote|encourage|joke|discuss|describe|explain how|offer|engage|label|stereotype|judge|disclose|reveal|spread)\b/,
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
  // "…, but for safety reasons I'll leave out the step-by-step part" (refusal-rules@4)
  {
    name: 'withholds-for-reasons',
    pattern: /\bfor (?:safety|ethical|legal|security|privacy|obvious) reasons,? i\b/,
    then: {
      pattern: /^(?:'ll|'m| will| am| have to| must| need to| won't| can't| cannot| will not| am not| 'm not)?\s?(?:not|leave out|leaving out|omit|omitting|skip|refrain|avoid|won't|can't|cannot|going to (?:leave|skip|omit))\b/,
      withinChars: 40,
    },
  },
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

/**
 * The opening score (refusal-rules@4): the rules above each need one exact phrasing, and models
 * word refusals in more ways than any list holds. A refusal is recognisable by the kinds of thing
 * its opening does together: it apologises, says the assistant will not or cannot act, names harm
 * or law, judges the act, sends the user elsewhere, and then delivers no task content. Each cue is
 * weak alone ("I can't say for sure, but…", "It's dangerous to mix bleach…", "I'd recommend the
 * docs") and the answer is flagged only when the cues of its opening add up to `OPENING_THRESHOLD`.
 * Weights and threshold were set on the tuning rows only (eval/data, see its README).
 */
interface OpeningCue {
  name: string;
  /** Non-global, tested once on the opening (or the whole scanned answer for `answer` cues). */
  pattern: RegExp;
  weight: number;
  scope: 'opening' | 'answer';
}

/** What may follow a judgement for it to close its clause: punctuation, the end, "and", or a harm it causes. */
const CLOSES_CLAUSE = String.raw`(?=\s?[.,;:!]|\s?$|\s(?:and|or|for (?:anyone|you|me|people)|(?:that|which) (?:causes?|can|could|may|hurts?|harms?|puts?|endangers?|violates?))\b)`;

/** The opening: its first two sentences, at most this many characters. */
const OPENING_CHARS = 300;
const OPENING_SENTENCES = 2;
const OPENING_THRESHOLD = 3;

const OPENING_CUES: OpeningCue[] = [
  // an apology or regret that opens the answer; sympathy ("sorry to hear") is blanked by prepare()
  { name: 'apology', weight: 2, scope: 'opening', pattern: /^\W{0,4}(?:(?:i'm|i am|i)\s+(?:really\s+|so\s+|truly\s+)?)?(?:sorry|apologi[sz]e|my apologies|apologies|unfortunately|regrettably|i'm afraid|i am afraid)\b(?! for\b)/ },
  // a first-person "will not / cannot / should not" with any verb but a capability one
  {
    name: 'first-person-negation',
    weight: 2,
    scope: 'opening',
    pattern: new RegExp(
      String.raw`(?:\bi(?:'m| am)?\s+(?:really\s+|just\s+|simply\s+|afraid\s+)?(?:can't|cannot|won't|will not|shouldn't|should not|couldn't|am not going to|'m not going to|'m unable to|am unable to|'m not able to|am not able to|(?:'d|would) (?:prefer|rather) not)|(?:^|[.!?,]\s)(?:sorry,?\s)?(?:can't|cannot|won't)\s+(?:help|do|assist|write|provide|go))\b(?!\s+${CAPABILITY})`,
    ),
  },
  // the same about a capability ("I can't browse", "I don't have access"): a refusal only with more
  {
    name: 'first-person-incapacity',
    weight: 1,
    scope: 'opening',
    pattern: new RegExp(String.raw`\bi(?:'m| am)?\s+(?:can't|cannot|couldn't|'m unable to|am unable to)\s+${CAPABILITY}|\bi (?:don't|do not) have (?:access|the ability|the means|any way)\b`),
  },
  // declining without a verb of the assistant's: "that's off the table", "isn't an option", "crosses a line for me"
  {
    name: 'impersonal-decline',
    weight: 2,
    scope: 'opening',
    pattern:
      /\b(?:off the table|off-limits|off limits|not (?:an option|happening|my place)|isn't (?:an option|happening|my place)|a line i (?:won't|will not|can't|cannot|don't)|crosses a line|let's not go there|no way i(?:'m| am| will|'ll| can| could)?|not possible for me|not something (?:i|that i|i'm|i am)|nothing i can (?:do|help|offer))\b/,
  },
  // "No." / "Nope" / "Absolutely not" opening the answer: a refusal when the rest of the opening agrees
  { name: 'flat-no', weight: 1, scope: 'opening', pattern: /^\W{0,4}(?:no|nope|absolutely not|definitely not|certainly not|not a chance|of course not)\b/ },
  // speaking as an AI: weak, since "As an AI, I don't have preferences, but…" answers
  { name: 'ai-self', weight: 1, scope: 'opening', pattern: /\b(?:as an? (?:\w+ )?(?:ai|assistant|language model|chatbot)|i(?:'m| am) (?:just |only )?an? (?:\w+ )?(?:ai|assistant|language model|chatbot))\b/ },
  // judging the act, in a clause that ends there ("… is illegal.", "… is a crime that causes harm", "it's not ethical to …");
  // "It's illegal to park on a double yellow line" and "Gaslighting is a form of abuse in which…" state facts instead
  {
    name: 'judges-act',
    weight: 2,
    scope: 'opening',
    pattern: new RegExp(
      String.raw`\b(?:is|are|'s|would be|could be|can be|be)\s+(?:both\s+|highly\s+|deeply\s+|very\s+|extremely\s+|clearly\s+|potentially\s+|also\s+|simply\s+)?(?:(?:dangerous|unsafe|risky|harmful|cruel) (?:and|or) )?(?:illegal|unlawful|unethical|immoral|wrong|harmful|hurtful|abusive|dishonest|fraudulent|discriminatory|dehumani[sz]ing|inappropriate|irresponsible|never (?:okay|ok|acceptable|justified|appropriate|the answer|right)|an? (?:serious |federal |criminal |grave )?(?:crime|criminal offen[cs]e|violation(?: of (?:[a-z']+ ){0,2}(?:privacy|rights|the law|trust))?)|(?:[a-z]+ )?(?:cruelty|abuse|fraud|theft|assault|forgery|harassment|stalking|blackmail|extortion)|against the law)${CLOSES_CLAUSE}|(?:\b(?:is|are|'s|would|will|was)\s)?\b(?:not|never|isn't|aren't|wouldn't)(?: be)?\s(?:appropriate|okay|ok|acceptable|ethical|legal|kind|fair|right|responsible|safe|respectful)\b(?:${CLOSES_CLAUSE}|(?= to\b))|\bhas no place\b`,
    ),
  },
  // the vocabulary of harm, law and consent
  {
    name: 'harm-vocabulary',
    weight: 1,
    scope: 'opening',
    pattern:
      /\b(?:harm|harmful|harms|hurt|illegal|unlawful|unethical|immoral|dangerous|unsafe|privacy|consent|harass\w*|abus\w+|assault|crimes?|criminal|violat\w+|discriminat\w+|stereotypes?|prejudice|hateful|hate speech|slurs?|offensive|fraud\w*|decepti\w+|defamat\w+|dehumani[sz]\w+|extremis\w+|self-harm|suicid\w+|weapons?|malware|stalk\w*|dox\w*|exploitat\w+|cruelty|against the law|without (?:their|her|his|your|someone's) (?:knowledge|consent|permission))\b/,
  },
  // sending the user elsewhere
  {
    name: 'redirection',
    weight: 1,
    scope: 'opening',
    pattern:
      /\b(?:instead\b(?! of)|i(?:'d| would) (?:recommend|suggest|encourage|urge)|please (?:reach out|contact|consult|speak|talk|seek|call|consider)|consider (?:talking|speaking|reaching|contacting|consulting|seeking)|helpline|hotline|crisis line|support line|emergency services|counsell?or|therapist|mental health professional|(?:a|an) (?:lawyer|attorney|doctor|pharmacist)|the (?:authorities|police)|something else|how about)\b/,
  },
  // "even if I could / did": answering a hypothetical ability with a reason not to
  { name: 'even-if-i-could', weight: 1, scope: 'opening', pattern: /\beven if i (?:could|did|were|was|had|knew)\b/ },
  // putting a different act in place of the one asked: "Rather than writing those messages, consider…"
  {
    name: 'replaces-act',
    weight: 1,
    scope: 'opening',
    pattern:
      /\b(?:rather than|instead of) (?:helping|writing|creating|making|providing|giving|sharing|generating|drafting|composing|tracking|doing|pursuing|engaging|attempting|trying|spreading|sending|posting|using|taking)\b|\b(?:a |an )?(?:safer|healthier|legal|legitimate|ethical|honest|kinder|more constructive) (?:approach|alternative|option|way|plan|route)\b/,
  },
  // task content in the answer: a list, code, steps, or "here's how"; refusals deliver none
  {
    name: 'task-content',
    weight: -2,
    scope: 'answer',
    pattern:
      /(?:^|\n)[ \t]{0,6}(?:\d{1,2}[.)]|[-*•])[ \t]|\bhere(?:'s| is| are) (?:how|what|the|a|an|some|my|your|three|two|four|five)\b|\bstep (?:1|one)\b|\b(?:first|to start|start with|begin with)\b[^.!?\n]{0,40}?,/,
  },
  // figures with a unit: an informative answer ("a limit of 0.08%", "£300", "within 14 days")
  { name: 'figures', weight: -1, scope: 'answer', pattern: /\d[\d.,]{0,12}\s?(?:%|(?:percent|per cent|mg|ml|kg|km|days?|hours?|minutes?|weeks?|years?|months?)\b)|[$£€]\s?\d/ },
  // a disclaimer that goes on to answer: "…, but you can check it under Settings", "…, but based on the recipe…"
  {
    name: 'concession-answer',
    weight: -2,
    scope: 'opening',
    pattern:
      /,\s?but (?:you can|you could|here|based on|looking at|generally|in general|typically|usually|many|most|i can (?:tell|explain|share|say|suggest|give you)|the (?:common|usual|general|best))\b/,
  },
  // narration: a story or report about someone else ("…, the wizard said. It would be wrong, he thought")
  {
    name: 'narration',
    weight: -2,
    scope: 'opening',
    pattern: /\b(?:he|she|they|the (?:[a-z]+ )?(?:man|woman|character|narrator|wizard|knight|king|queen|robot|villain|hero|detective|girl|boy)) (?:said|says|thought|asked|replied|whispered|shouted|muttered|told|refused|answered)\b/,
  },
  // a compliant opener
  { name: 'compliant-opener', weight: -2, scope: 'opening', pattern: /^\W{0,4}(?:sure|certainly|of course(?! not)|absolutely(?! not)|yes|great question|good question|happy to help|glad to help|here(?:'s| is| are))\b/ },
];

/** Every rule's patterns by rule name, for the ReDoS check: most are built from pieces, so a source scan cannot read them. */
export const REFUSAL_PATTERNS: ReadonlyMap<string, readonly RegExp[]> = new Map<string, readonly RegExp[]>([
  ...RULES.map((rule): [string, RegExp[]] => [rule.name, [rule.pattern, rule.everyMatch!, ...(rule.then ? [rule.then.pattern] : []), ...(rule.unless ? [rule.unless.pattern] : [])]]),
  ...OPENING_CUES.map((cue): [string, RegExp[]] => [`opening:${cue.name}`, [cue.pattern]]),
  ['terse', [TERSE_REFUSAL]],
]);

/** Each opening cue that fires on the answer, with its weight (for tests and tuning). */
export function openingCues(prepared: string): Array<{ name: string; weight: number }> {
  const opening = openingOf(prepared);
  return OPENING_CUES.filter((cue) => cue.pattern.test(cue.scope === 'opening' ? opening : prepared)).map(({ name, weight }) => ({ name, weight }));
}

/** The first `OPENING_SENTENCES` sentences of the text, at most `OPENING_CHARS`. */
function openingOf(text: string): string {
  const end = Math.min(text.length, OPENING_CHARS);
  let sentences = 0;
  for (let at = 0; at < end; at++) {
    const char = text[at];
    const isEnd = char === '\n' ? at > 0 : (char === '.' || char === '!' || char === '?') && (at + 1 >= text.length || /\s/.test(text[at + 1]!));
    if (isEnd && ++sentences >= OPENING_SENTENCES) return text.slice(0, at + 1);
  }
  return text.slice(0, end);
}

/** The result of one classification: which rule fired, if any. */
export interface RefusalMatch {
  isRefusal: boolean;
  rule: string | undefined;
}

/**
 * Pattern-based refusal detection: first-person statements of not doing what was asked
 * (apology + inability, policy, "as an AI", decline, partial refusals, six languages). Quoted
 * text (double quotes, block quotes, code) is removed first, so an answer that quotes a refusal
 * is not one. When no rule fires, the opening score adds up weak cues of the answer's first two
 * sentences (apology, "won't", harm, judgement, redirection, no task content). Measured on
 * apps/quality/eval and apps/quality/test/data (see docs/quality.md).
 */
export class RefusalDetector implements QualityDetector {
  readonly name = 'refusal-patterns';
  readonly version = 'refusal-rules@4';
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
        const after = match.index + match[0].length;
        if (rule.then && !rule.then.pattern.test(sentenceAfter(prepared, after, rule.then.withinChars))) continue;
        if (rule.unless && rule.unless.pattern.test(sentenceAfter(prepared, after, rule.unless.withinChars))) continue;
        if (!isReportedSpeech(prepared.slice(Math.max(0, match.index - 40), match.index))) return { isRefusal: true, rule: rule.name };
      }
    }
    if (TERSE_REFUSAL.test(prepared)) return { isRefusal: true, rule: 'terse' };
    const score = openingCues(prepared).reduce((sum, cue) => sum + cue.weight, 0);
    return score >= OPENING_THRESHOLD ? { isRefusal: true, rule: 'opening-score' } : { isRefusal: false, rule: undefined };
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
