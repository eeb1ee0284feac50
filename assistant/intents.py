"""Intent routing: which kind of turn a message is, decided by a table of pure matchers.

Each :class:`Route` has a name, the intent it leads to and a matcher ``(utterance, context) -> evidence | None``;
the first route whose matcher returns evidence wins, and the :class:`Decision` says which route fired and on
what words. The order of :data:`ROUTES` is the policy, written down in one place:

1. ``stage_answer``   a yes / no / not-sure answer while a survey question is pending (``no_question``: one with
                      none pending, answered with what can be asked)
2. ``greeting``, ``closing``, ``reset``, ``help``   the whole message is a greeting, thanks or goodbye, a wish to
                      start over (the context is cleared), or a request for help, or asks what the assistant can do
                      ("what can this tool help me with?")
3. ``stage_followup`` "and for stage B?" after a recommendation: the same situation at another stage
4. ``ordinal``        "tell me more about the second one" after a recommendation
5. ``stage``          "which stage are we in?", or a description of what the city has done, asked for a stage;
                      not the stages as a topic ("which stage's cities mentor others?", "into which stages does
                      the paper divide…"), which the documents answer
   ``criteria``       "what criteria must a city meet to move from Stage A to B?": the roadmap's own criteria,
                      quoted (structured knowledge, not a search)
   ``stage_about``    what a stage named by its letter or name is, how two differ, which comes after or before
                      one, what the roadmap's stages are ("B阶段是什么意思？", "Which stage comes after the planning
                      stage?", "路线图分哪几个阶段？"): the stages as the rules quote them
   ``areas``          the list of thematic areas ("What are the 12 thematic areas?"), as the rules quote them
   ``area_listing``   the tools the overview lists under a thematic area named by its number or title ("tools for
                      thematic area 2", "“确保基础设施韧性”那个专题领域下面列了哪些工具？"), not for the asker's own
                      city (that is ``recommend``): the records' listings, quoted
   ``area_about``     one thematic area named, asked about ("What is thematic area 5?"): its heading and the
                      paragraph after it, as the document words them
   ``listing``        the catalogue's flagship programmes, or the services of one section ("E 部分有哪些服务？"):
                      the records' headings, quoted
6. ``support``        the asker's own city asks for support in other words ("有什么能支持我们？", "where do we
                      begin?", "which programme would suit our staff?"), whatever fact type its words carry
   ``situation``      a situation, then how to act or who could help ("…不少老人根本不上网，怎么才能不把他们甩下？",
                      "… they lack a ready-made syllabus. Where could they find one?"): what fits is the answer
   ``dated``          a question about a day or year near the asker's own, not about their city ("What is Lima's
                      budget for next year?", "深圳市明年的防灾减灾预算是多少？"): no dated document can know it,
                      so the reply declines and says whom to ask
   ``opinion``        the assistant's own opinion or forecast asked for, not about the asker's city nor a request
                      for a tool ("你个人觉得 MCR2030 能不能实现目标？", "Predict how many cities will reach Stage C"):
                      the documents hold neither, so the reply says so and whom to ask
   ``browse``         which records of a kind are about a topic ("Which UN-Habitat services deal with housing?",
                      "人居署有哪些关于住房的服务？"): the records on it, from the recommender told the kind
7. ``fact``           a question for a specific fact (how many, how long, since when, who, which cities, what
                      are the N ...): answered from the documents, also when it names a programme or a tool
8. ``recommend``      a request for a tool or service that fits a situation ("which tool fits", "推荐"); not
                      tools that a third party recommends, lists or uses ("which tools does MCR2030 recommend …")
9. ``lookup``         a named catalogue record, alone or with "what is / tell me about"
10. ``wants``         the asker's city states what it wants or lacks and asks the documents nothing
                      ("我们需要一个公认的概念框架…"): what fits is the answer
11. ``similar_*``     no pattern recognised the message, and the messages known to be like it agree that it asks for
                      a stage, help, a greeting or what fits (``Similar``: assistant/exemplars.py, by meaning); a
                      greeting with words of thanks or leave ("多谢啦", "bye bye") is ``similar_closing``
12. ``question``      anything else: a question for the documents

Matchers know nothing of the retriever: the catalogue names come in as a :class:`Names` lookup and the vote of
known messages as a :data:`Similar` function, so the routing is tested without a model
(tests/assistant/test_intents.py, rows of (utterance, context) -> route in both languages, with a scripted vote for
the ``similar_*`` routes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Protocol

from assistant.context import ChatContext
from assistant.evidence import ASK_PARTS, ASKING, ROADMAP_SAID, question_type, stage_refs, with_step
from assistant.names import RECORD_ID
from assistant.recommend import stated_needs
from retriever.language import HAN, script_lang, simplified
from retriever.references import KIND_WORDS
from retriever.sentences import split_sentences

__all__ = ["ROUTES", "STEPS", "Decision", "Names", "Route", "Similar", "Utterance", "decide", "steps_asked"]

_I = re.IGNORECASE
WORDS = re.compile(r"[A-Za-z]+")  # English words, counted where a message's size matters


class Names(Protocol):
    """Finds a catalogue record named in a text (by id such as ``B.2`` or by its Chinese or English name), and the
    thematic areas it names (by number or by title)."""

    def mention(self, text: str) -> tuple[str, str] | None:
        """The id of the record named in ``text`` and the words that name it, or None."""
        ...

    def areas(self, text: str) -> tuple[int, ...]:
        """The thematic areas ``text`` names, by number or by title, in order."""
        ...

    def sections(self, text: str) -> tuple[str, ...]:
        """The catalogue sections (letters) whose title's topic ``text`` names ("climate" names H)."""
        ...


# The intent that messages known to be like this one agree on, and how similar the nearest is (assistant/exemplars.py)
Similar = Callable[[str], "tuple[str, float] | None"]


def _no_vote() -> tuple[str, float] | None:
    return None


@dataclass(frozen=True, slots=True)
class Utterance:
    """The last user message, whitespace-collapsed, with the record it names (an id), if any, the words that
    name it and the thematic areas it names; ``similar()`` is the vote of the messages known to be like it
    (computed once, when a route asks)."""

    text: str
    record: str | None = None
    record_name: str = ""
    areas: tuple[int, ...] = ()  # the thematic areas it names, by number or by title
    sections: tuple[str, ...] = ()  # the catalogue sections whose topic it names, where it asks which section
    similar: Callable[[], tuple[str, float] | None] = field(default=_no_vote, compare=False)


@dataclass(frozen=True, slots=True)
class Decision:
    """Which route fired (``route``), the intent it leads to, the words that made it fire (``evidence``), and the
    thematic areas the message names (what the ``area_*`` routes answer about)."""

    route: str
    intent: str
    evidence: str
    areas: tuple[int, ...] = ()
    sections: tuple[str, ...] = ()


Matcher = Callable[[Utterance, ChatContext], str | None]


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    intent: str
    matcher: Matcher


def _found(pattern: re.Pattern[str], text: str) -> str | None:
    m = pattern.search(text)
    return m.group(0) if m else None


_GREET = r"(?:hi|hello|hey|good (?:morning|afternoon|evening)|你好|您好|嗨|哈喽|哈啰|早上好|下午好)"
# "are you there?" asks whether anyone answers, as a greeting does ("您好，在吗？", "hello, anyone there?")
_THERE = r"(?:(?:is )?any(?:one|body) (?:there|around|here)|are you (?:there|around)|在吗|在不在)"
_PUNCT = r"[\s!！。.,，~?？]*"
# thanks that close a turn ("ok thanks, that helps a lot", "好的，谢谢，很有帮助")
_THANKS = (
    r"(?:(?:ok(?:ay)?|great|好的|好|嗯)[\s,，!！。.~-]*)?"
    r"(?:thanks?(?: you)?(?: so much| a lot)?|thank you|thx|谢谢(?:你|您)?|多谢|感谢)"
    r"(?:[\s,，!！。.~-]*(?:(?:that|this|it)(?:'s| is| was)? (?:helps?|helped|helpful|very helpful)(?: a lot)?|"
    r"(?:很|非常|太)有帮助(?:了)?|帮大忙了|(?:very |really |super )?helpful))?"
)
# leaving: "that's all for now, bye", "先这样，拜拜"
# stopping for now: "I'll stop here for today", "今天就先到这"; a closing alone or before a goodbye
_STOP = (
    r"(?:(?:i'?ll|let'?s|we'?ll|i will|let us) )?stop (?:here|there)(?: for (?:now|today))?|"
    r"(?:今天|今儿)?(?:就)?(?:先)?(?:到这|到此)(?:里|儿)?(?:吧|为止)?"
)
_BYE = (
    rf"(?:(?:(?:that's all|that is all|that's it)(?: for now| for today)?|先这样(?:吧)?|好的|ok(?:ay)?|{_STOP})"
    r"[\s,，!！。.~-]*)*"
    rf"(?:bye|goodbye|see you(?: later| soon)?|catch you later|talk (?:to you )?(?:later|soon)|拜拜|再见|回头见|"
    rf"回头再聊|下次再聊|{_STOP})"
)
GREETING = re.compile(rf"^\s*(?:{_GREET}(?:[\s,，!！。.~-]*{_THERE})?|{_THERE}){_PUNCT}$", _I)
# thanks or goodbye close the conversation: a greeting too, answered as a closing
CLOSING = re.compile(rf"^\s*(?:{_THANKS}|{_BYE}){_PUNCT}$", _I)
# words of thanks or leave anywhere in a short message ("多谢啦", "bye bye", "回头再聊", "ok cool, gotta run"): a
# message the vote of known messages takes for a greeting is answered as a closing when it has one
# (``similar_closing``)
FAREWELL = re.compile(
    r"\b(?:thanks?|thank u|thx|ty|cheers|bye|goodbye|see (?:you|ya)|later|gotta (?:go|run)|take care)\b|"
    r"谢|拜拜|再见|回头(?:见|聊|再聊)|再聊|下次(?:再)?聊|先走|告辞",
    _I,
)
HELP = re.compile(r"^\s*(help|what can you do\??|帮助|你能做什么|您能做什么|怎么用)[\s?？!！。.]*$", _I)
# Asking what the assistant itself can do, with more words: "Hi, first time here - what can this tool help me with?"
ABOUT_ME = re.compile(
    r"\bwhat (?:can|could) (?:you|this (?:tool|assistant|bot|chat|service|site)) (?:\w+ )?(?:do|help)\b|"
    r"\bhow (?:do|can) I use (?:you|this)\b|"
    r"(?:你|您|这个(?:工具|助手|系统|平台)?)能(?:帮|为)?(?:我|我们)?\w{0,4}?(?:做|干|查|问)(?:些)?什么|"
    # how to use it: "直接打字问就行了吗", "do I just type my question?"
    r"(?:直接)?(?:打字|输入)(?:提问|问)?就(?:行|可以)|\bdo I just (?:type|ask|write)\b|"
    r"怎么使用(?:你|您|这个)|(?:助手|机器人|系统|平台)(?:该|要)?(?:怎么|如何)(?:用|使用)|(?:能|可以)问(?:些|哪些)?(?:什么|啥)|"
    r"\bwhat (?:you|this (?:tool|assistant|bot|chat|service|site)) (?:can|could) (?:do|help (?:me |us )?with)\b|"
    r"\bwhat (?:kind of |sort of )?(?:things|questions) (?:can|could|should) I ask\b|"
    # who or what the assistant is, what it knows, how to ask it
    r"(?:你|您)是(?:谁|机器人|真人|人工|ai)|\bwho are you\b|"
    r"\bare you (?:a |an )?(?:bot|robot|human|real person|person|ai)\b|"
    r"(?:你|您)(?:都)?(?:知道|懂|会)(?:些)?(?:什么|啥)|\bwhat do you (?:\w+ )?know\b|(?:怎么|如何|怎样)(?:提问|问问题)|"
    # what it holds: "which documents have you got to search through?", "你手上都有哪些文件可以查？"
    r"\b(?:which|what) (?:documents|sources|files|reports) (?:do you have|have you got|can you (?:search|read|use))|"
    r"(?:你|您)(?:手上|手里|这里|这儿)?(?:都)?有(?:哪些|什么)(?:文件|文档|资料|材料)|"
    r"\bhow (?:should|do|can) I (?:phrase|ask|word)\b",
    _I,
)
ASSISTANT_NAMED = re.compile(
    r"\b(?:this|the) (?:assistant|bot|chatbot|chat ?bot|ai assistant)\b|这个(?:助手|机器人|智能助手|聊天机器人)", _I
)
YES = re.compile(r"^\s*(y|yes|yeah|yep|true|是|是的|对|有|已经|已)[\s.!。！]*$", _I)
NO = re.compile(r"^\s*(n|no|nope|false|否|不是|没有|不|还没有|尚未)[\s.!。！]*$", _I)
UNSURE = re.compile(
    r"^\s*(not sure|unsure|don't know|do not know|unknown|skip|不确定|不知道|不清楚|跳过)[\s.!。！]*$", _I
)
STAGE = re.compile(
    r"(which|what) stage|stage (check|assessment|survey)|where are we on the (road ?map)|"
    r"哪个阶段|哪一阶段|什么阶段|处于.{0,6}阶段|阶段评估|阶段测评|我们在路线图",
    _I,
)


# A whole short message that only names another stage, area or record ("and for stage B?", "B 阶段呢", "What about
# area 3?", "E.4 呢？"): what may come before and after the name in either language
def _follow_up(en: str, zh: str) -> re.Pattern[str]:
    """A message that is only ``en`` ("and for stage B?") or only ``zh`` ("那 B 阶段呢？")."""
    return re.compile(
        rf"^\s*(?:(?:and|what about|how about)\s+)?{en}\s*[?？.]*\s*$|"
        rf"^\s*(?:那|那么)?\s*{zh}\s*(?:呢|的呢|怎么样|的情况呢)?\s*[?？。]*\s*$",
        _I,
    )


STAGE_FOLLOW = _follow_up(r"(?:for|in|at)?\s*stage\s*([abc])", r"([ABC])\s*阶段")
_EN_ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
# A place in the list the last reply gave ("the second one", "number 7", "第三个", "第 8 项"), up to the ten a
# context holds (``MAX_RECOMMENDATIONS``)
_ORDINAL_WORD = "|".join(_EN_ORDINAL_WORDS) + r"|1st|2nd|3rd|[4-9]th|10th"
_NUMBER_N = r"number (?:10|[1-9])"
_ZH_PLACE = r"十|[一二三四五六七八九]|10|[1-9]"
ORDINAL = re.compile(rf"\b({_ORDINAL_WORD}|{_NUMBER_N})\b|第\s*({_ZH_PLACE})\s*(个|项|条)", _I)
_ORDINALS = {
    **{w: n for n, w in enumerate(_EN_ORDINAL_WORDS, 1)},
    **{f"{n}{'st' if n == 1 else 'nd' if n == 2 else 'rd' if n == 3 else 'th'}": n for n in range(1, 11)},
    **{w: n for n, w in enumerate("一二三四五六七八九十", 1)},
}
# An auxiliary verb: before "tools" it makes them the subject of a verb, not what is asked for; before a record's
# name it makes the record the subject of the question
_AUXILIARY = r"(?:will|would|can|could|should|does|do|did|is|are|was|were|has|have|had)"
# A request for something that fits the asker's situation: names a tool / service kind as what is wanted.
RECOMMEND = re.compile(
    # "which tools", "what kind of support", not the subject of a verb before them ("with which framework will
    # tools and lessons be shared?" asks for a framework)
    rf"\brecommend|\bsuggest|\b(?:which|what)\s+(?:(?!{_AUXILIARY}\b)\w+\s+){{0,3}}(?:tools?|services?|support|"
    r"methodolog(?:y|ies)|"
    r"instruments?|approaches?|programmes?|programs?)\b(?!\s+(?:was|were|did|has|had)\b)|"
    r"\b(?:tools?|services?|support)\s+(?:fits?|for us|would help|could help|can help|should we|that fits?)\b|"
    r"\b(?:is there|are there|do you have)\s+(?:a|any)\s+(?:\w+\s+){0,2}(?:tools?|services?)\b|"
    r"\bwhat should we use\b|\bhelp us\b|"
    r"\bany (?:\w+ )?(?:tools?|services?|programmes?|programs?) (?=that|for|to|which)|"
    r"\bwe need (?:a|an|some)?\s*(?:tool|service|support)|"
    # the catalogue's tools for a need, asked to be shown ("tell me about tools for early warning")
    r"\b(?:tell me about|show me|list|give me)\s+(?:the\s+|some\s+|any\s+)?(?:\w+\s+){0,2}(?:tools?|services?)\s+"
    r"(?:for|on|to|that)\b|(?:介绍|列出|列举|说说|讲讲)(?:一下)?.{0,12}(?:方面|相关|有关)的?(?:工具|服务)|"
    r"推荐|建议.{0,6}(?:工具|服务)|什么工具|哪些工具|哪个工具|哪种工具|哪款工具|什么服务|哪些服务|哪项服务(?:适合|可以帮)|"
    r"(?:哪个|哪些|哪一个)旗舰(?:项目|计划|方案)?(?:是关于|针对|适合|可以帮|能帮|解决|应对)|"
    r"适合我们|适合我市|用什么(?:工具|方法)|有没有[^，,。？?！!]{0,16}?(?:工具|服务)|有什么[^，,。？?！!]{0,16}?(?:工具|服务)|"
    r"需要.{0,4}(?:工具|服务|支持)",
    _I,
)
# What to do next, in Chinese ("下一步应该做什么？", "接下来该怎么做")
_NEXT_ZH = r"(?:下一步|接下来)(?:应该|应当|该|要|可以)?(?:做什么|干什么|做些什么|怎么做|怎么办|怎么走)"
# An explicit request for support for the asker's city, whatever else the message asks: "有什么能支持我们？",
# "该从哪入手？", "Where do we begin?", "Which offering would suit them?", "what can UN-Habitat offer us?".
ASKS_SUPPORT = re.compile(
    r"有什么(?:能|可以)?(?:支持|帮助|帮|办法|建议|方法|途径)|有什么.{0,8}(?:能|可以)(?:帮|支持)我们|"
    r"能(?:给|为|帮)我们(?:提供)?(?:什么|哪些)|(?:该|应该|要|可以)从哪(?:里|儿)?(?:入手|开始|着手|做起|下手)|"
    r"哪(?:个|些|种|类)(?:项目|方案|服务|课程|产品|方法|做法)(?:比较|最|更)?适合|有没有.{0,16}(?:办法|方法|途径|做法|支持|帮助)|"
    # what to do next: "下一步应该做什么？", "接下来该怎么做", "What should we do next?"
    r"\bwhere (?:do|should|can|could) (?:we|I) (?:begin|start)\b|" + _NEXT_ZH + r"|"
    r"\bwhat (?:should|do|can|could|must) (?:we|I) do next\b|"
    r"\bwhich (?:offering|programme|program|option|course|product|approach|service)s? (?:\w+ )?"
    r"(?:would|could|might|will) (?:\w+ )?suit\b|\bwhat (?:can|could) (?:\S+ ){1,3}(?:offer|do for) (?:us|our)\b|"
    r"\b(?:any|some) (?:advice|suggestions?|ideas)\b|\bwhat (?:would|do) you suggest\b|"
    r"\bis there (?:a|an|any) (?:way|approach|method|programme|program|option)\b|"
    r"\bwhat (?:would|could|might|will) (?:suit|fit|help|work for) (?:us|our|me)\b|"
    # asking whether something of the kind exists, after the city's situation: "有这样的渠道吗？", "有合适的吗",
    # "有什么思路吗", "is there something for that?", "what's a good way to start?"
    r"有(?:没有)?(?:这样|这类|这种|类似|合适|适合|相关)的.{0,6}(?:吗|么)|有(?:什么|啥)(?:思路|好办法|招|路子|门路)|"
    r"(?:怎么|如何|怎样)(?:入手|着手|起步|下手)|\bis there (?:anything|something)\b|"
    r"\bwhat(?:'s| is) (?:a|the) (?:good|best|right) way to (?:start|begin)\b|"
    r"\bhow (?:should|do|can) we (?:start|begin|get started)\b",
    _I,
)
# Not knowing where to begin speaks for the asker, who need not say "we": "no idea where to begin", "不知道从哪开始"
OWN_START = re.compile(
    r"\b(?:no idea|not sure|unsure|(?:do not|don't) know|clueless) (?:about )?(?:where|how) to "
    r"(?:begin|start|get started)\b|"
    r"不(?:知道|清楚|晓得)(?:该|要)?从哪(?:里|儿)?(?:开始|下手|入手|着手|做起)|"
    # what to do next, its subject left out as Chinese does ("下一步应该做什么？" is "what should we do next?")
    r"^\s*(?:那|那么)?\s*" + _NEXT_ZH,
    _I,
)
# Tools as what a third party (the documents' publishers, the documents themselves) recommends, lists or uses:
# "Which diagnostic tools does MCR2030 recommend for Stage B cities?", "人居署打算用什么方法和工具…": a question for
# the documents, not a request for our city.
_THIRD_PARTY = (
    r"(?:MCR2030|UN-?Habitat|UNDRR|the (?:[\w-]+ ){0,4}(?:overview|report|board|catalogue|catalog|paper|review|roadmap|"
    r"secretariat|document|flagship|programme|article|study|authors?|text)|it|they)"
)
THIRD_PARTY_ACTS = re.compile(
    r"\b(?:does|do|did|will|has|have|is|are|was|were)\s+" + _THIRD_PARTY + r"\b|"
    # the actor, or a part of it it names ("人居署的城市实验室提供哪些服务？", as "What services does UN-Habitat's
    # Urban Lab provide?")
    r"(?:MCR2030|人居署|联合国|减灾署|执行局|报告|总览|概述|目录|文件|路线图|秘书处|文章|论文|作者|文中)"
    r"(?:的[^，,。？?！!的]{1,12})?\s*"
    r"(?:打算|准备|计划|将|会|推荐|建议|列出|列举|提到|提供|用了|使用了|采用|认为|指出|提出|主张)|"
    r"(?:下面|里|中)(?:列|列出|列了|列有|提到|提到了)(?:了)?(?:哪些|什么)|"
    # a named thing someone recommends, asked about: "MCR2030 在认知阶段推荐的《地方政府领导手册》是哪一版？"
    r"推荐的\s*[《“\"]|\brecommended by\b|"
    # what a named thing is made of ("Which digital tools make up the SDG Cities toolset?", "由哪些工具组成？"): its
    # parts, which the documents list
    r"\bmakes? up\b|\bcompris(?:e|es|ing)\b|\bconsists? of\b|\b(?:are|is) (?:part of|included in)\b|"
    r"由哪些.{0,8}组成|(?:包括|包含)(?:了)?(?:哪些|什么)",
    _I,
)
# The conditions something sets ("What conditions must we meet, and how do we sign up?", "需要满足哪些条件？"): a
# question for the documents, not a situation asking what fits
CONDITIONS_ASKED = re.compile(
    r"\b(?:what|which)\s+(?:[\w'-]+\s+){0,2}?(?:conditions|requirements|criteria|prerequisites)\b|\beligib\w*\b|"
    r"(?:满足|符合|具备)(?:哪些|什么)(?:条件|要求|标准)|(?:什么|哪些)(?:条件|资格)",
    _I,
)
# A want that is a question in disguise ("we'd like to know …", "我们想了解…"): not a need for a tool.
_WANTS_TO_KNOW = re.compile(
    r"^(?:to )?(?:know|find out|understand|ask|check|learn about|confirm)\b|^(?:知道|了解|问|请教|确认|弄清|搞清|打听)",
    _I,
)
_QUESTION_MARK = re.compile(r"[?？]")
# An English question written without its question mark: a clause opening with a question word or an auxiliary
# ("what are the conditions for going from planning to implementation", "In QGIS 3, which menu do I use")
_ASKED_EN = re.compile(
    r"(?:^|[,;:.]\s*)(?:what|which|how|where|when|who|whom|whose|why|is|are|do|does|did|can|could|should|would|will|"
    r"tell me|list|show me|explain|describe)\b",
    _I,
)
# A yes/no question in Chinese: a question particle at the end (吗, 呢, 么 but not the 么 of 什么 or 怎么), or the
# A-not-A form (会不会, 是不是; not 有没有, which asks whether something exists and so often asks for support).
# The A-not-A form asks only in a sentence that ends in a question mark ("…决定投不投钱" states a decision to come).
_YES_NO_ZH = re.compile(r"(?:吗|呢|(?<![什怎那这多要])么)\s*[?？。.!！]?\s*$|(\w)不\1[^。.!！?？]*[?？]", _I)
# An English yes/no question as the message's last clause: "… do we still need to register again for MCR2030?"
_YES_NO_EN = re.compile(
    r"(?:^|[.;!?]\s+)(?:do|does|did|is|are|can|could|should|must|will|would|have|has|am)\s+"
    r"(?:we|i|our|the|cities|a|this|that|it|they)\b[^.;!?]*\?\s*$",
    _I,
)
# What a city says is wrong, when it asks nothing: "…项目资金一直没着落，财政实在紧张。", "… it's a capacity problem"
PROBLEM = re.compile(
    r"没|缺|不够|不足|不行|紧张|吃紧|困难|难以|跟不上|落后|短缺|老化|薄弱|不上|挤|淹|惨|严重|受灾|损失|"
    r"\b(?:no|not|never|nobody|none|lack\w*|short(?:age)?s?|problems?|struggl\w*|fail\w*|strain\w*|tight|poor|"
    r"weak|outdated|flood\w*|overwhelm\w*|packed)\b|n't\b",
    _I,
)
# Not knowing something of one's own city is a need, not a question: "we don't even know how many people live there"
_NOT_KNOWN = re.compile(
    r"\b(?:don't|do not|doesn't|does not|no one|nobody|never) (?:even |really )?(?:know|knows|knew)\b|"
    r"不知道|不清楚|说不清|没(?:有)?底",
    _I,
)
# Where to find a record: its links ("where can I find it?", "link?", "在哪里可以下载？", "网址")
LINK_ASK = re.compile(
    r"\bwhere (?:can|do|could|should) (?:i|we|you) (?:find|get|download|access)\b|\b(?:links?|website|url)\b|"
    r"网址|链接|网站|在哪(?:里|儿)?(?:可以|能)?(?:找到|下载|获取|获得|看到)",
    _I,
)
# What a record lookup says: "what is X", "tell me about X", or the name alone.
MORE = re.compile(
    r"tell me (?:more )?about|more about|details|what is|what's|what does .{0,40} do\s*(?:[?？.!]|$)|"
    r"介绍|详细|更多|具体说说|是什么|什么是|何为|何谓|做什么|是啥|是干嘛|干嘛的|干啥的|干什么的|讲讲|说说|怎么回事|"
    r"\bwhats\b|\bwhat (?:is|are) (?:it|they)\b|\btell me abt\b|" + LINK_ASK.pattern,
    _I,
)
# First person: the asker describes their own city.
FIRST_PERSON = re.compile(r"\b(?:we|our|us|my city)\b|我们|我市|本市|我们市|我的城市|我国", _I)
# Fact types that make a question a document question even when it names a record.
_FACT_TYPES = {"quantity", "duration", "date", "place", "organisation", "list", "procedure", "reason"}
# A stage named by its letter ("cities in Stage C", "处于 C 阶段的城市"): the roadmap's stages as a topic.
NAMED_STAGE = re.compile(r"\bstage\s*[abc]\b|(?<![A-Za-z])[ABC]\s*阶段", _I)
# A message that is a record's name alone: besides the name, punctuation, quotes, spaces and at most a particle
# ("CityRAP?", "“城市韧性行动规划”呢").
BARE = re.compile(r"[\s\W_]+")
BARE_REST_CHARS = 1
# Words that only point at the record named ("service F.3 please", "F.3 那条服务", "the CAT-I tool"): a name with
# them is still the name alone
POINTING = re.compile(
    r"\b(?:please|pls|the|this|that|service|tool|programme|program|record|entry|show me)\b|"
    r"请|麻烦|(?:那|这)(?:条|个|项|一项|一条)?|服务|工具|项目|看看|一下",
    re.IGNORECASE,
)
# Asking for a stage assessment, as opposed to asking about the assessment ("why fill it in carefully?").
STAGE_ASK = re.compile(
    r"(which|what) stage|where (?:are we|do we stand|does our city stand) on the (?:\w+ )?(?:road ?map)|"
    r"\b(?:would|do|does|are|is|can) (?:we|our city|our town) (?:count as|qualify as|be|belong to|sit in|in)"
    r"(?: in)? stage [abc]\b|哪个阶段|哪一阶段|什么阶段|处于.{0,6}阶段|我们在路线图|"
    r"(?:算|属于|算是|是不是)\s*[ABC]\s*阶段|"
    # "我们是A还是B", "are we A or B?", "that makes us stage C, right?", "where our city sits on the roadmap"
    r"(?<![A-Za-z])[ABC]\s*(?:阶段)?\s*还是\s*[ABC](?![A-Za-z])|"
    # with words between, the letters in capitals: "现在算C了还是还卡在B", "are we C now or still stuck in B"
    r"(?<![A-Za-z])(?-i:[ABC])(?![A-Za-z])\s*(?:阶段)?[^。？?！!]{0,4}还是[^。？?！!]{0,6}?(?<![A-Za-z])(?-i:[ABC])(?![A-Za-z])|"
    r"\bare we (?:(?:now|still|already|in|at) )*(?:stage )?(?-i:[ABC])\b(?: \w+){0,2} or (?:\w+ ){0,3}"
    r"(?:stage )?(?-i:[ABC])\b|"
    r"\bare we (?:in )?(?:stage )?[abc] or (?:stage )?[abc]\b|\b(?:makes?|puts?) us (?:in )?stage [abc]\b|"
    r"\bwhere (?:\w+ ){0,3}(?:sits?|stands?|is|are) on the (?:\w+ )?road ?map\b|"
    r"路线图(?:上|里|中)?(?:处于|在|位于|算)?(?:什么|哪个|哪一)(?:位置|阶段|地方)|"
    # how far we have come: "算走到哪一步了", "路线图上大概算在哪里", "我们算到哪一级了", "where does that leave us"
    r"(?:算|走|到)(?:走)?到?(?:了)?哪(?:一)?(?:步|级)|路线图上.{0,6}(?:算|在)(?:在)?哪(?:里|儿)|"
    r"\bwhere (?:does|would|will) (?:that|this) (?:leave|put) us\b|"
    r"\bmeans? (?:that )?(?:we're|we are|our city is) (?:\w+ ){0,2}in stage [abc]\b",
    _I,
)
# Our place on the roadmap in the words of people who do not say "stage": a level, phase, tier or step; how far
# along; the next part; still at the start; the end reached; counting as A, B or C. Asked for our city only.
STAGE_POSITION = re.compile(
    r"(?:路线图|roadmap).{0,6}(?:走到|到了)哪|走到哪(?:了|儿|里)|属于哪(?:一)?(?:档|级|类)|(?:算|是|在)(?:哪|几)(?:一)?(?:档|级)|"
    r"第几(?:阶段|级|档|步)|从哪(?:一)?(?:级|档|阶段|步)开始|(?:够不够|够格|有没有资格|有资格)(?:进入|到)|"
    r"(?:往|进入|到|走)下一步|还在(?:最)?(?:开始|起步|开头|起点|初始)|走到(?:了)?(?:路线图的)?(?:最后|尽头|终点)|"
    r"(?:算|到|是)(?:最后|最终|最高)(?:那个|一个)?(?:阶段|级|档)|到\w{0,10}(?:phase|阶段)了吧|"
    r"\bhow far (?:along|are we|have we|is our)|(?:路线图|阶段|终点|尽头).{0,10}还(?:有|差)多远|"
    r"\b(?:which|what) (?:level|phase|tier|step|bracket)s? (?:are|is|do|does|we|our)\b|"
    r"\b(?:count|counts|qualify|qualifies) (?:as|for) (?:stage )?[abc](?:\b|,)|\b[abc], [abc],? or [abc]\b|"
    r"\bready (?:for|to move to|to go to) the next (?:part|step|stage|phase|level)\b|"
    r"\bstill (?:right )?(?:at|in) the (?:very )?(?:start|beginning|first (?:stage|step|phase))\b|"
    r"\breached the (?:end|last stage|final stage|top) of\b|"
    r"\bput(?:s)? us in the (?:last|final|first|next) (?:stage|phase|level)\b|"
    r"\b(?:we're|we are) (?:\w+ ){0,2}in the (?:planning|implementation|awareness) (?:phase|stage)\b[^.!?]*\?|"
    r"\bwhich (?:level|stage|phase) (?:we|our city) (?:come|start|enter|join)s? (?:in|at)\b|"
    r"\bmove on to the next (?:step|stage|phase|level)\b",
    _I,
)


# A tool, platform or place asked for ("is there an online space where we can track how far along the roadmap we
# are?", "有没有一个平台可以看我们走到哪一步了？"): what it is for may speak of our place on the roadmap, but the
# message asks for the tool
TOOL_ASKED = re.compile(
    r"\b(?:is there|are there|do you have|does mcr2030 (?:have|offer|provide))\b[^?.!]{0,40}?\b(?:tools?|platforms?|"
    r"spaces?|apps?|websites?|sites?|dashboards?|systems?|portals?)\b|有没有[^？?。]{0,12}?(?:工具|平台|系统|网站|空间)|"
    # a place or tool wished for ("我们想有个在线的地方查看…", "希望有一个平台…")
    r"(?:想|希望|需要)(?:能)?有(?:个|一个)[^，,。？?]{0,8}?(?:地方|工具|平台|系统|网站|空间)",
    _I,
)


# What the stage asked for involves, asked beside it ("Which stage are we in, and what does that stage focus on?",
# "…处在哪个阶段？这个阶段首先要做什么？", "what must we commit to?"): the reply quotes how the overview describes it
STAGE_FOCUS_ASKED = re.compile(
    r"\b(?:what|which)\b[^?？.]{0,40}?\b(?:focus|concentrat|emphasi[sz]|involv|entail|commit|priorit)\w*|"
    r"\bwhat (?:should|must|do|shall) we (?:do|commit|prioriti[sz]e|work on)\b|"
    r"(?:重点|侧重|首先要做|先做什么|要做什么|该做什么|做些什么|承诺什么|承担什么|什么承诺|任务是什么|关注什么)",
    _I,
)
# The stages as the topic of a question, not a place asked for: the stages of something ("into which stages does
# the paper divide…", "what stages does profiling go through") or a stage as the subject of what it does or is
# ("which stage comes next", "which stage's cities mentor others", "哪个阶段的城市…"). Without first person such a
# question is for the documents; "which stage would that be?" after a description stays a stage assessment.
STAGES_AS_TOPIC = re.compile(
    r"\b(?:which|what) stages\b|\b(?:which|what) stage(?:'s|\s+(?:comes?|follows?|precedes?|involves?|focus\w*|"
    r"includes?|covers?|lists?|places?|emphasi[sz]es|means?|is (?:about|called|for))\b)|"
    r"哪(?:个|一)(?:个)?阶段的(?:城市|重点|任务|工作)|哪些阶段|"
    # when a city may join, and how far the programme aims to take cities: the roadmap's rules, not our place
    r"\b(?:which|what) stage (?:can|may|could|should|do|does|must) (?:a |the |new |any )?(?:cit(?:y|ies)|towns?|"
    r"municipalit(?:y|ies)|local governments?) (?:join|enter|start|sign up|begin)\b|"
    r"(?:可以|能|能够|可)(?:在|从)(?:哪个|哪一|什么)个?阶段(?:加入|开始|参与)|"
    r"(?:目标|旨在|宗旨)[^。？?]{0,12}(?:走到|推进到|推进至|达到|到达|到)哪",
    _I,
)


# What the stage survey asks, asked about ("does the stage assessment ask whether we have a chief resilience
# officer?", "阶段评估调查会不会问到…", "调查包括哪些问题"): a question for the documents, even from our city
SURVEY_CONTENT = re.compile(
    r"(?:会不会|是否|有没有|会)问(?:到|及)|问(?:哪些|什么|了哪些|了什么|几个|多少)(?:问题)?|(?:哪些|什么|几个|多少(?:个|道)?)问题|"
    r"\b(?:does|do|will|would) (?:the |it |they )?(?:\w+ ){0,3}(?:survey|assessment|questionnaire) "
    r"(?:ask|cover|include)|"
    r"\bwhat (?:questions|does the (?:\w+ ){0,3}(?:survey|assessment|questionnaire) (?:ask|cover|include))\b|"
    r"\bhow many questions\b",
    _I,
)


def _stage_answer(u: Utterance, ctx: ChatContext) -> str | None:
    if ctx.pending_question is None:
        return None
    for pattern in (YES, NO, UNSURE):
        if pattern.match(u.text):
            return f"answer to survey question {ctx.pending_question}: {u.text}"
    return None


def _no_question(u: Utterance, ctx: ChatContext) -> str | None:
    """A bare yes, no or "not sure" when no survey question is pending: nothing to answer (it was voted a
    greeting and greeted back)."""
    if ctx.pending_question is not None:
        return None
    return u.text if any(p.match(u.text) for p in (YES, NO, UNSURE)) else None


def _greeting(u: Utterance, ctx: ChatContext) -> str | None:
    return u.text if GREETING.match(u.text) else None


def _closing(u: Utterance, ctx: ChatContext) -> str | None:
    return u.text if CLOSING.match(u.text) else None


# starting the conversation afresh: what the city said and answered is forgotten
RESET = re.compile(
    r"^\s*(?:please\s+|let'?s\s+|can we\s+)?(?:start (?:over|again|afresh)|restart|reset|"
    r"start a new (?:conversation|chat)|new (?:conversation|chat|session)|"
    r"clear (?:the |our |my )?(?:chat|conversation|history|answers))(?:\s+please)?[\s.!?。！？]*$|"
    r"^\s*(?:请)?(?:重新开始|重来|重置|清空(?:对话|记录|历史)?|开始新的对话|新对话|从头(?:开始|来))[\s。！!？?]*$|"
    # forgetting what was said, then starting again: "let's wipe all that and start from scratch",
    # "把刚才聊的都清掉吧，从头来"
    r"^\s*(?:(?:let'?s|please|can we|ok(?:ay)?,?)\s+)?(?:wipe|clear|forget|drop|scrap)\s+(?:all\s+|everything\s*)?"
    r"(?:that|this|it|everything|what (?:we|I) (?:said|discussed|talked about)|the (?:chat|conversation|history))"
    r"[\s,]+(?:and\s+)?(?:start (?:over|again|afresh|from scratch)|begin again)(?:\s+please)?[\s.!?]*$|"
    r"^\s*(?:请)?(?:把)?(?:刚才|之前|前面|上面)?(?:聊|说|问)?的?(?:都|全)?(?:清掉|清空|忘掉|删掉)(?:吧)?[\s，,。]*"
    r"(?:我们)?(?:从头(?:开始|来)|重新(?:开始|来)|重来)(?:吧)?[\s。！!？?]*$",
    _I,
)


def _reset(u: Utterance, ctx: ChatContext) -> str | None:
    return u.text if RESET.match(u.text) else None


def _help(u: Utterance, ctx: ChatContext) -> str | None:
    if HELP.match(u.text):
        return u.text
    # "what can you do for our city's flood plan?" asks about the city, not about the assistant; "what can this
    # assistant do for our city team?" names the assistant
    if FIRST_PERSON.search(u.text) and not ASSISTANT_NAMED.search(u.text):
        return None
    return _found(ABOUT_ME, u.text)


def _stage_followup(u: Utterance, ctx: ChatContext) -> str | None:
    if not ctx.last_situation:
        return None
    return _found(STAGE_FOLLOW, u.text)


def _ordinal(u: Utterance, ctx: ChatContext) -> str | None:
    if not ctx.last_recommendations or ordinal_of(u.text) is None:
        return None
    if pointed_item(u.text) is not None and question_type(_asked(u.text)) in _FACT_TYPES:
        return None  # "第一个要花多少钱？" asks a fact of that item: a question about it (the chat resolves which)
    if len(u.text) < 40 or MORE.search(u.text):
        return _found(ORDINAL, u.text)
    return None


# A stage asked for with a question word (a message that also asks what moving on takes still asks for our stage),
# and what moving on takes asked with one ("what do we need…", "还差哪一条"; "Do we qualify for Stage B?" asks
# whether we do, an assessment)
_WHICH_STAGE = re.compile(r"\b(?:which|what) stage\b|哪(?:个|一)个?阶段|什么阶段", _I)
_WHAT_IT_TAKES = re.compile(r"\b(?:what|which|how)\b|什么|哪|啥|怎么|如何", _I)


# What a message sets aside as given ("韧性路线图除了帮城市弄清自己走到了哪一步，对合作伙伴有什么用处？",
# "Besides showing where a city stands, what does the roadmap do for partners?"): not what it asks
_BESIDES = re.compile(
    r"除了[^，,。？?！!；;]*[，,]|\b(?:besides|apart from|aside from|other than|in addition to)\b[^,?.!;]*,", _I
)


def _stage(u: Utterance, ctx: ChatContext) -> str | None:
    """The asker's own stage asked for (or an assessment): not what a stage or a record is, nor what moving on
    takes, nor a stage ask set aside as given (``_BESIDES``)."""
    if _BESIDES.search(u.text):
        u = replace(u, text=_BESIDES.sub(" ", u.text))
    if (NAMED_STAGE.search(u.text) or named_stages(u.text) or u.record or STAGES_AS_TOPIC.search(u.text)) and (
        not FIRST_PERSON.search(u.text)
    ):
        # "what must cities in Stage C commit to?", "which stage lists the Scorecard?", "which stage's cities
        # mentor others?" ask the roadmap about a stage or a record, not for ours
        return None
    if SURVEY_CONTENT.search(u.text):
        return None  # "会不会问到我们市有没有首席抗灾官？" asks what the survey asks, not for our stage
    if TOOL_ASKED.search(u.text):
        return None  # "is there an online space where we can track how far along we are?" asks for a tool
    if steps_asked(u.text) and _WHAT_IT_TAKES.search(u.text) and not _WHICH_STAGE.search(u.text):
        return None  # "我们市处于规划阶段，进入实施阶段之前需要具备什么？" asks what moving on takes, not for our stage
    asked = _found(STAGE_ASK, u.text)
    if asked:
        return asked
    position = _found(STAGE_POSITION, u.text)
    if position and FIRST_PERSON.search(u.text):
        return position
    topic = _found(STAGE, u.text)
    asked_text = _asked(u.text)
    if ASKS_SUPPORT.search(asked_text) or ACT_ASK.search(asked_text):
        return None  # "我们做完阶段评估，结果是B阶段。接下来从哪儿下手？" asks where to start, not for a stage
    if topic and (FIRST_PERSON.search(u.text) or question_type(asked_text) in ("other", "yesno")):
        return topic
    return None


# What it takes to move on: "what criteria must a city meet to move from Stage A to B?", "进入 C 阶段要满足哪些条件？"
# or what a city must do to get there: "需要做到什么", "怎样才能进入 B 阶段", "what is required", "how can our city get
# from stage A to stage B" (a step or a stage to move into must be named too, ``steps_asked``)
CRITERIA = re.compile(
    r"标准|条件|要求|门槛|\bcriteri(?:on|a)\b|\brequirements?\b|\bconditions?\b|\bqualif\w*|\bneeds? to (?:do|meet)\b|"
    r"(?:需要|要|得|必须)做(?:到|些)?(?:什么|哪些|啥)|(?:怎样|怎么|如何)(?:才能|可以|能够?)|\brequired\b|\bit takes\b|"
    # how one moves on, asked in Chinese as in English ("城市如何从 A 阶段进入 B 阶段？", "what does a city need to go
    # from Stage A to B?")
    r"(?:怎样|怎么|如何)\s*(?:从[^？?。，,]{1,12}?)?(?:进入|推进|升级|迈向|晋级|过渡|走到)|\bneeds? to go from\b|"
    r"\bhow (?:can|do|does|could|should|would|will|might) (?:\w+\s+){1,3}"
    r"(?:get|move|advance|progress|graduate|reach|enter)\b|"
    # what is still missing or must be shown ("还差哪一条", "还需要具备什么", "what do we need to show")
    r"还差|还缺|缺(?:什么|哪些|哪)|需要?具备|\bneeds? to (?:show|have|demonstrate|prove|achieve)\b|"
    r"\b(?:what(?:'s| is)|anything) (?:still )?missing\b",
    _I,
)
MOVING_ON = re.compile(
    r"进入|升|迈向|推进|到达|达到|过渡|晋级|\bmov(?:e|es|ing)\b|\badvanc\w*|\bprogress\w*|\breach\w*|\bget to\b|"
    r"\benter\w*|\bgraduat\w*|\bqualif\w*",
    _I,
)
# Criteria asked for ("需要满足哪些条件", "what are the requirements"), not only named
CRITERIA_ASKED = re.compile(
    r"(?:哪些|什么|啥)(?:条件|标准|要求|门槛)|\b(?:what|which) (?:are the )?(?:criteria|conditions|requirements)\b", _I
)
STEPS = ("A>B", "B>C")  # the roadmap's steps, in the order of the rules' decisive criteria (``decide_on``)
# "According to MCR2030's requirements, …" says where an obligation comes from, it asks for no criteria ("按照
# MCR2030 的要求，我们对刚起步的城市要承担什么承诺？" asks a stage's commitments)
_ACCORDING_TO = re.compile(r"(?:按照|根据|依照|遵照|按)\s*[^，,。？?]{0,20}?的?要求")


def steps_asked(text: str) -> tuple[str, ...]:
    """The roadmap steps whose criteria ``text`` asks for ("A>B", "B>C"): a step it names ("from A to B"), or the
    stage it asks to move into ("进入 C 阶段", "reach Stage B"); empty when it asks for no criteria."""
    if not CRITERIA.search(_ACCORDING_TO.sub(" ", text)):
        return ()
    refs = stage_refs(text)
    steps = tuple(s for s in STEPS if s in refs)
    moving = MOVING_ON.search(text)
    if steps or moving is None:
        return steps
    # the stage named after the word of moving on is the one to move into ("we are in Stage B: what must we do to
    # move to Stage C?", "we're in the planning stage; what do we need to show to move on to implementation?")
    into = named_stages(text[moving.end() :]) or named_stages(text)
    return tuple(s for s in STEPS if s[-1] in into)


# The stage assessment survey's own questions asked for: all of them ("What questions are in the stage assessment
# survey?", "阶段评估调查包括哪些问题？", "How many questions does the survey have?") or one by its number ("What is
# question 10 of the survey?", "第10题问的是什么？"); answered from the survey the roadmap rules quote. Not whether it
# asks one thing ("会不会问到我们市有没有首席抗灾官？"), which the documents answer.
SURVEY_NAMED = re.compile(r"调查|问卷|\bsurvey\b|\bquestionnaire\b|\bstage assessment\b|阶段评估", _I)
_SURVEY_LISTED = re.compile(
    r"\b(?:what|which) (?:are the )?questions\b|\bhow many questions\b|\blist (?:the |all )?(?:\w+ ){0,3}questions\b|"
    r"(?:哪些|什么|几个|多少(?:个|道)?)问题|问(?:了)?(?:哪些|什么)(?:问题)?\s*[?？]?\s*$",
    _I,
)
_SURVEY_NUMBERED = re.compile(
    r"\bquestion\s*(?:no\.?\s*|number\s*)?(\d{1,2})\b|\bQ(\d{1,2})\b|第\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*(?:题|个问题|道题)",
    _I,
)
ALL_SURVEY_QUESTIONS = 0
# What a numbered question asks, asked bare: "What does question 7 ask?", "第 7 个问题问的是什么？" (not
# "第二个问题是什么？", which may be any list's second question)
_WHAT_QUESTION_N = re.compile(
    r"\s*what (?:is|does) question\b|"
    r"\s*第\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*个?问题(?:问的|问了)(?:是)?(?:什么|啥|哪些)",
    _I,
)


def survey_asked(text: str) -> int | None:
    """Which of the survey's questions ``text`` asks for: one by its number, ``ALL_SURVEY_QUESTIONS``, or None."""
    m = _SURVEY_NUMBERED.search(text)
    # "第10题" is the survey's wherever it is asked; "第二个问题", "question 2" only with the survey named or asked
    bare = "题" in m.group(0) and "问题" not in m.group(0) if m else False
    if m and (SURVEY_NAMED.search(text) or bare or _WHAT_QUESTION_N.match(text)):
        return _zh_or_digits(next(g for g in m.groups() if g))
    if SURVEY_NAMED.search(text) and _SURVEY_LISTED.search(text):
        return ALL_SURVEY_QUESTIONS
    return None


def _zh_or_digits(word: str) -> int:
    """A number up to 99 in digits or Chinese numerals ("10", "十", "十二", "二十")."""
    if word.isdigit():
        return int(word)
    tens, ten, units = word.partition("十")
    if not ten:
        return _ORDINALS[word]
    return (_ORDINALS[tens] if tens else 1) * 10 + (_ORDINALS[units] if units else 0)


def _survey(u: Utterance, ctx: ChatContext) -> str | None:
    asked = survey_asked(u.text)
    if asked is None:
        return None
    return "asks for the survey's questions" if asked == ALL_SURVEY_QUESTIONS else f"asks for survey question {asked}"


def _criteria(u: Utterance, ctx: ChatContext) -> str | None:
    steps = steps_asked(u.text)
    return f"asks for the criteria of step {', '.join(steps)}" if steps else None


# What a roadmap stage is ("What does Stage B focus on?", "B阶段是什么意思？"), how two differ ("How is Stage C
# different from Stage B?", "A阶段和B阶段有什么区别？"), or which comes after or before one ("Which stage comes after
# Stage B?", "C阶段之前是哪个阶段？"): answered from the stages the roadmap rules quote, not by a search
_STAGE_DIFFER = re.compile(r"区别|不同|差别|差异|\bdiffer\w*|\bcompar\w*|\bvs\.?(?!\w)|\bversus\b", _I)
# A stage by its letter ("Stage B", "B 阶段") or by its name in the roadmap ("the planning stage", "规划阶段", "know
# better"): the names the overview gives the stages (推进城市认知 / 规划 / 实施, the FAQ's 宣传阶段, 战略规划阶段)
_STAGE_BY_NAME: tuple[tuple[str, str], ...] = (
    ("A", r"认知阶段|宣传阶段|推进城市认知|\b(?:the\s+)?awareness stage\b|\bknow(?:ing)? better\b"),
    ("B", r"规划阶段|推进城市规划|\b(?:the\s+)?planning stage\b|\bplan(?:ning)? better\b"),
    ("C", r"实施阶段|推进城市实施|\b(?:the\s+)?implementation stage\b|\bimplement(?:ing)? better\b"),
)
_STAGE_NAMES = tuple((letter, re.compile(pattern, _I)) for letter, pattern in _STAGE_BY_NAME)
# a stage's bare name right after the words that order stages, in a message about stages ("which stage comes right
# before implementation?"); elsewhere "after implementation" is as often about a plan's
_BARE_NAME = r"(?:the\s+)?(awareness|planning|implementation)\b"
_ORDERED = re.compile(rf"\b(?:before|after|precedes?|follows?|prior to)\s+{_BARE_NAME}", _I)
_BARE_LETTER = {"awareness": "A", "planning": "B", "implementation": "C"}
_STAGE_WORD = re.compile(r"\bstages?\b", _I)
_NAMED = "|".join(p for _, p in _STAGE_BY_NAME)
_STAGE = rf"(?:(?:the\s+)?stage\s+[ABC]\b|{_NAMED})"
_STAGE_ZH = rf"(?:[ABC]\s*阶段|{_NAMED})"
# "of the resilience roadmap", "of MCR2030": whose stage it is, as "韧性路线图的 B 阶段" says before it
_OF_ROADMAP = r"(?:\s+(?:of|in)\s+(?:the\s+)?(?:MCR\s?2030(?:'s)?\s+)?(?:resilience\s+)?(?:road ?map|MCR\s?2030))?"
# what a stage itself is, asked of the stage as the subject ("What does Stage B focus on?", "Explain Stage A",
# "B阶段是什么意思？"); a question about one aspect of a stage's cities ("what do Stage A cities receive?") is a
# question for the documents
_STAGE_DEFINE = re.compile(
    rf"\bwhat(?:'s| is| does| do| are)\s+{_STAGE}{_OF_ROADMAP}"
    r"(?:\s+(?:mean|involve|cover|focus(?:es)? on|entail|stand for|(?:all )?about)\w*)?\s*[?.!]*$|"
    rf"\bwhat happens (?:in|at|during)\s+{_STAGE}\s*[?.!]*$|"
    rf"^\s*(?:please\s+)?(?:can you\s+)?(?:explain|describe|define|tell me about)\s+{_STAGE}|"
    rf"\bwhat is the (?:main\s+)?(?:focus|meaning|purpose|idea|point|definition) of\s+{_STAGE}|"
    rf"{_STAGE_ZH}\s*(?:[（(][^）)]{{1,12}}[）)])?\s*(?:到底|究竟|主要)?(?:是什么|是啥|什么意思|啥意思|指什么|是指什么|意味着什么|侧重(?:于)?什么|"
    r"(?:的)?(?:重点|侧重点)是什么|(?:主要)?(?:做|干)什么|是干什么的|是干嘛的|怎么理解|关注(?:的是)?什么|"
    r"(?:主要)?(?:是)?(?:关于|讲)(?:的是)?什么(?:的)?|"
    r"具体(?:是)?(?:做|干)什么)|"
    rf"(?:介绍|讲讲|说说|解释)(?:一下)?\s*{_STAGE_ZH}\s*[?？。!！]*$",
    _I,
)
# which stage comes after or before one: the words next to the stage ("after Stage B", "B 阶段之后")
_STAGE_AFTER = re.compile(
    rf"\bafter\s+(?:a city\s+|cities\s+|you\s+)?(?:(?:reach|complet|finish|pass)\w*\s+)?{_STAGE}|"
    rf"\b(?:follows?|beyond)\s+{_STAGE}|\b(?:after|follows?)\s+{_BARE_NAME}|\bnext stage\b|"
    r"\bcomes? (?:right )?next\b|\bwhat(?:'s| is| comes) next\b|"
    rf"{_STAGE_ZH}\s*(?:之后|以后|后面|的下一(?:个)?阶段)|下一(?:个)?阶段",
    _I,
)
_STAGE_BEFORE = re.compile(
    rf"\b(?:before|precedes?|prior to)\s+(?:{_STAGE}|{_BARE_NAME})|\bprevious stage\b|"
    rf"{_STAGE_ZH}\s*(?:之前|以前|前面|的上一(?:个)?阶段)|上一(?:个)?阶段",
    _I,
)
# a stage asked about for something the documents say in their own passages (its commitments, tools, support,
# areas, how to move on) is a question for them, or for the recommender or the criteria
_STAGE_OTHER = re.compile(
    r"承诺|工具|服务|支持|专题|领域|资源|伙伴|标准|条件|要求|如何|怎样|怎么(?!理解)|\bcommit\w*|\btools?\b|\bservices?\b|"
    r"\bsupport\w*|\bthematic\b|\bareas?\b|\bresources?\b|\bpartners?\b|\bcriteri\w*|\brequire\w*|\bconditions?\b|"
    r"\bhow (?:can|to)\b",
    _I,
)


# The roadmap's stages asked for as a whole: what they are or how many ("韧性路线图分哪几个阶段？", "What are the
# stages of the MCR2030 roadmap?", "how many stages does the roadmap have?"), of the roadmap, not of a paper or a
# process
_ALL_STAGES = re.compile(
    r"(?:哪几|哪些|几|多少)个?阶段|阶段(?:有哪些|分别是|都有什么|有几个)|"
    r"\b(?:what|which) (?:are|were) (?:the|its|their) (?:\w+ )?stages\b|\bhow many (?:\w+ )?stages\b|"
    r"\b(?:list|name) (?:the|its|all) (?:\w+ )?stages\b|\bwhat stages\b|\bwhich stages\b",
    _I,
)
_NOT_ROADMAP = re.compile(r"论文|综述|文章|概念|\bpaper\b|\breview\b|\bconcept\b|\bprofil\w*|\bcongress\w*", _I)


def named_stages(text: str) -> frozenset[str]:
    """The roadmap stages ``text`` names by letter or by name ("Stage B", "规划阶段": {"B"}); empty when it names a
    step between two ("from Stage A to B"), which is a question of moving on."""
    refs = stage_refs(text)
    if any(">" in r for r in refs):
        return frozenset()
    named = {letter for letter, pattern in _STAGE_NAMES if pattern.search(text)}
    if _STAGE_WORD.search(text):
        named |= {_BARE_LETTER[m.group(1).lower()] for m in _ORDERED.finditer(text)}
    return frozenset(refs) | named


def stage_about(text: str) -> tuple[str, tuple[str, ...]] | None:
    """What ``text`` asks about the roadmap's stages themselves, as ``(kind, stages)``: ``("define", ("B",))``
    for what Stage B is, ``("differ", ("A", "B"))``, ``("after", ("B",))``, ``("before", ("C",))``, ``("all",
    ("A", "B", "C"))`` for what the roadmap's stages are; None when it names no stage, speaks of the asker's own
    city, or asks for something else about a stage."""
    stages = tuple(sorted(named_stages(text)))
    if not stages and ROADMAP_SAID.search(text) and _ALL_STAGES.search(text) and not FIRST_PERSON.search(text):
        # the roadmap's stages as a whole, unless the question is about a paper's or a process's stages
        return None if _NOT_ROADMAP.search(text) or _STAGE_OTHER.search(text) else ("all", ("A", "B", "C"))
    if not stages or FIRST_PERSON.search(text) or _STAGE_OTHER.search(text):
        return None
    if question_type(text) in ("quantity", "duration", "date", "place", "organisation"):
        return None  # "how many cities are in Stage A?" asks the documents for a fact
    if len(stages) > 1 and _STAGE_DIFFER.search(text):
        return "differ", stages
    if len(stages) == 1 and _STAGE_AFTER.search(text):
        return "after", stages
    if len(stages) == 1 and _STAGE_BEFORE.search(text):
        return "before", stages
    if _STAGE_DEFINE.search(text):
        return "define", stages
    return None


# The thematic areas: listed ("What are the 12 thematic areas?", "专题领域有哪些？"), or named by number ("tools for
# thematic area 2", "专题领域 5"), which a recommendation then keeps to
# An area's number, or several ("areas 5 and 6", "areas 2, 3 and 4", "areas 5-7", "专题领域 5 和 6", "专题领域5、6")
_AREA_NUMBERS = r"(\d{1,2}(?:\s*(?:,|，|、|&|and|or|和|与|及|以及|或|/|-|–|to|至|到)\s*\d{1,2}(?!\d))*)"
_AREA_NUMBER = re.compile(
    r"\b(?:thematic\s+(?:support\s+)?)?areas?\s*(?:no\.?\s*)?" + _AREA_NUMBERS + r"\b|"
    r"专题(?:支持)?领域\s*" + _AREA_NUMBERS,
    _I,
)
# An area named by its place in the list: "第 5 个专题领域", "第五个专题领域", "the 5th / fifth thematic area"
_AREA_ORDINAL = re.compile(
    r"第\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*个?专题(?:支持)?领域|"
    r"\b(\d{1,2}(?:st|nd|rd|th)|" + "|".join(_EN_ORDINAL_WORDS) + r")"
    r"\s+(?:MCR2030\s+)?thematic\s+(?:support\s+)?area\b",
    _I,
)
_AREA_RANGE = re.compile(r"(\d{1,2})\s*(?:-|–|to|至|到)\s*(\d{1,2})", _I)
AREAS_LIST = re.compile(
    r"\b(?:what|which) are (?:the|MCR2030's)\s+(?:12\s+|twelve\s+)?(?:MCR2030\s+)?thematic (?:support )?areas\b|"
    r"\b(?:list|name|show)\s+(?:me\s+)?(?:all\s+)?(?:the\s+)?(?:12\s+|twelve\s+)?thematic (?:support )?areas\b|"
    r"(?:12|十二)\s*个专题(?:支持)?领域|专题(?:支持)?领域(?:有哪些|分别是|都有什么|都是什么|是哪些|包括哪些)",
    _I,
)


def areas_named(text: str) -> tuple[int, ...]:
    """The MCR2030 thematic areas (1-12) ``text`` names by number, in order."""
    found: set[int] = set()
    for m in _AREA_NUMBER.finditer(text):
        numbers = m.group(1) or m.group(2)
        for a, b in _AREA_RANGE.findall(numbers):
            found.update(range(int(a), int(b) + 1))
        found.update(int(n) for n in re.findall(r"\d{1,2}", numbers))
    for m in _AREA_ORDINAL.finditer(text):
        if m.group(1):
            found.add(_zh_or_digits(m.group(1)))
        else:
            word = m.group(2).casefold()
            found.add(int(word[:-2]) if word[:-2].isdigit() else _ORDINALS.get(word, 0))
    return tuple(sorted(n for n in found if 1 <= n <= 12))


# The kind of record a request asks for by name: UN-Habitat's flagship programmes ("which flagship programme…",
# "哪个旗舰项目…") or its catalogue services ("which UN-Habitat service…", "人居署有什么服务…"); not a city's own
# "flagship projects"
_KINDS_NAMED: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "flagship",
        re.compile(
            r"\b(?:which|what|any)\s+(?:of\s+)?(?:UN-?Habitat(?:'s)?\s+)?flagships?\b|"
            r"\bUN-?Habitat(?:'s)? flagships?\b|\bflagship programmes?\b|\bflagships\b|"
            r"(?:哪个|哪些|哪一个|哪项|什么|有没有)(?:人居署的?)?旗舰|人居署的?旗舰",
            _I,
        ),
    ),
    (
        "unhabitat_service",
        re.compile(
            r"\bUN-?Habitat(?:'s)? (?:catalogue )?(?:services?|tools?|methods?|approach(?:es)?)\b|"
            r"\b(?:services?|tools?) (?:of|from|by) UN-?Habitat\b|"
            r"\bservices? (?:in|of|from) (?:the )?(?:UN-?Habitat(?:'s)? )?(?:service )?catalogue\b|"
            r"\bservices? (?:does|do|can|could|would) UN-?Habitat\b|"
            r"人居署[^？?。，,]{0,14}?(?:服务|工具|方法)|服务目录[^？?。，,]{0,10}?服务",
            _I,
        ),
    ),
    (
        "mcr_tool",
        re.compile(
            r"\bMCR2030(?:'s)? tools?\b|\btools? (?:of|from|in|listed by) (?:the )?MCR2030\b|"
            r"MCR2030\s*(?:的|列出的|里的|中的)?[^？?。，,]{0,14}?工具",
            _I,
        ),
    ),
)
# The words that name where a kind of record comes from ("MCR2030", "人居署", "the catalogue"): with the kind
# asked for, they filter; as words of the situation they would pull the records whose own names hold them (the
# MCR2030 Dashboard for "Which MCR2030 tools are about financing?")
_KIND_SOURCE_WORDS = re.compile(
    r"\bMCR2030(?:'s)?|\bUN-?Habitat(?:'s)?|(?:\bthe\s+)?(?:service\s+)?\bcatalogue\b|联合国人居署|人居署|服务目录|目录",
    _I,
)


def kinds_named(text: str) -> tuple[str, ...]:
    """The one kind of catalogue record ``text`` asks for by name ("flagship", "unhabitat_service", "mcr_tool"),
    or none when it names none or several."""
    named = tuple(kind for kind, pattern in _KINDS_NAMED if pattern.search(text))
    return named if len(named) == 1 else ()


def without_source_words(text: str) -> str:
    """``text`` without the words that name where records come from ("MCR2030", "人居署", "the catalogue"), for a
    situation whose kind of record is already a filter."""
    return " ".join(_KIND_SOURCE_WORDS.sub(" ", text).split())


# Which records of a kind are about a topic: "Which UN-Habitat services deal with housing?", "List the services on
# climate change", "人居署有哪些关于住房的服务？", "人居署在数据监测方面提供什么服务？": the records on that topic are
# the answer (the recommender, told the kind), in either language alike
BROWSE = re.compile(
    r"\b(?:which|what|any|list|show(?: me)?|name)\b[^?.!]{0,40}?\b(?:services?|tools?|programmes?|programs?)\b"
    r"[^?.!]{0,40}?\b(?:about|on|related to|relating to|concerning|deal(?:s|ing)? with|cover(?:s|ing)?|"
    r"address(?:es|ing)?|regarding|focus(?:es|ed|ing)? on|tackl(?:e|es|ing))\b(?=\s*[\w\"“'‘])|"
    r"(?:哪些|什么|有没有|列出|列一下)[^？?。，,]{0,20}?(?:关于|有关|涉及|针对|围绕|应对|方面)[^？?。，,]{0,20}?(?:服务|工具|方案|项目)|"
    r"(?:哪个|哪些|哪项)[^？?。，,]{0,12}?(?:服务|工具|方案|项目|计划)[^？?。，,]{0,4}?"
    r"(?:关于|有关|涉及|针对|应对|关注|处理|解决|侧重|聚焦|致力于)|"
    r"(?:关于|有关|涉及|针对|应对)[^？?。，,]{1,20}(?:的|方面的)(?:服务|工具|方案)(?:有哪些|是什么|有什么)|"
    r"在[^？?。，,]{1,12}方面(?:提供|有)(?:哪些|什么)(?:服务|工具)",
    _I,
)


# A kind of record asked for as the means of something ("through which flagship programme will it work with regional
# offices on crisis programming?"): which one a document names, not the records about a topic
_MEANS_ASKED = re.compile(r"\b(?:through|with|by|via|under|from)\s*$", _I)


def _browse(u: Utterance, ctx: ChatContext) -> str | None:
    m = BROWSE.search(u.text)
    if m is None or _MEANS_ASKED.search(u.text[: m.start()]):
        return None
    return f"asks which records are about a topic: {m.group(0)}"


def _areas(u: Utterance, ctx: ChatContext) -> str | None:
    if AREAS_LIST.search(u.text) and not u.areas and not _TOOLS_ASKED.search(u.text):
        return f"asks for the thematic areas: {_found(AREAS_LIST, u.text)}"
    return None


# What an area's list holds, asked for: "tools", "programmes", "工具", "方案"
_AREA_TOOLS_ASKED = re.compile(r"工具|方案|计划|项目|资源|\btools?\b|\bprogram(?:me)?s?\b|\bresources?\b", _I)


def _area_listing(u: Utterance, ctx: ChatContext) -> str | None:
    """The tools of the areas the message names, asked for as the overview lists them ("tools for thematic area
    2", "“确保基础设施韧性”那个专题领域下面列了哪些工具？"); not for the asker's own city (``recommend``)."""
    if not u.areas or FIRST_PERSON.search(u.text) or not _AREA_TOOLS_ASKED.search(u.text):
        return None
    return f"asks for the tools listed under thematic area {', '.join(map(str, u.areas))}"


def _area_about(u: Utterance, ctx: ChatContext) -> str | None:
    """The one area the message names, asked about, not for its tools nor for the asker's own city ("What is
    thematic area 5?", "专题领域 5 讲的是什么？")."""
    if len(u.areas) != 1 or FIRST_PERSON.search(u.text) or _AREA_TOOLS_ASKED.search(u.text):
        return None
    return f"asks about thematic area {u.areas[0]}"


# The catalogue's own lists: its flagship programmes ("What are UN-Habitat's flagship programmes?", "旗舰计划有哪些？")
# and the services of a section ("What services are in section E?", "E 部分有哪些服务？"), answered from the records
_FLAGSHIPS_LISTED = re.compile(
    # the asking words end the question or its clause: "…旗舰项目是什么时候启动的？" asks about one of them
    r"旗舰(?:计划|方案|项目)(?:有哪些|是哪些|分别是(?:什么|哪些)?|都有什么|都有哪些|包括哪些|是什么|有几个)(?=\s*(?:[?？,，;；。]|$))|"
    r"(?:五|5)\s*(?:个|项)旗舰|"
    # the whole question is which flagships there are ("人居署有哪些旗舰项目？"), not which of them fits a need
    r"有(?:哪些|哪几个|几个|什么)旗舰(?:计划|方案|项目|倡议)\s*[?？]?\s*$|"
    r"\b(?:what|which) are (?:the |UN-Habitat's |UN-Habitat )?(?:five |5 )?flagship "
    r"(?:programmes|programs|initiatives)\b|"
    r"\b(?:what|which|how many) flagship (?:programmes|programs|initiatives) (?:does|do|has|have|are there)\b"
    r"(?: (?:UN-Habitat|it|they)(?: have| run| offer)?)?\s*[?]?\s*$|"
    r"\b(?:list|name) (?:the |all )?(?:five |5 )?flagship",
    _I,
)
_SECTION = r"(?:section|part)\s+([A-K])\b"
_SECTION_LISTED = re.compile(
    rf"\b(?:what|which) services (?:are|does|do|are there)\b.{{0,20}}\b{_SECTION}|"
    rf"\b(?:list|name|show)\b.{{0,20}}\bservices (?:in|of|under)\s+{_SECTION}|"
    rf"\bservices (?:in|of|under)\s+{_SECTION}\s*[?？]?\s*$|"
    rf"\b{_SECTION}(?: of the (?:catalogue|catalog))? (?:contain|include|list|cover|offer)s?\b|"
    rf"\bwhat is {_SECTION}(?: of the (?:catalogue|catalog))?(?: about)?\s*[?？]?\s*$|"
    # how many services a section has: its list, which says how many ("H 部分有多少项服务？")
    rf"\bhow many services (?:are (?:there )?)?(?:in|of|under)\s+{_SECTION}|"
    rf"\bhow many services does {_SECTION}(?: of the (?:catalogue|catalog))? (?:have|contain|include|list|offer)\b|"
    r"(?<![A-Za-z])([A-K])\s*(?:部分|类|节)(?:的|里|中)?(?:服务)?(?:一共|共|总共)?(?:有|包括|包含|列出了|提供了?)?"
    r"(?:多少|几)\s*(?:项|个|种|条)?(?:服务)?\s*[?？。]?\s*$|"
    r"(?<![A-Za-z])([A-K])\s*(?:部分|类|节)(?:是|主要)?(?:关于|讲|涉及|有关)(?:什么|哪些)|"
    r"(?<![A-Za-z])([A-K])\s*(?:部分|类|节)(?:的|里|中)?(?:有|包括|包含|列出了|提供)(?:哪些|什么)(?:服务)?|"
    r"(?<![A-Za-z])([A-K])\s*(?:部分|类|节)(?:的)?服务(?:有哪些|是什么|都有什么|包括哪些)|"
    # asked to be listed, as "list the services in section K" is: "请列出人居署 K 部分的服务"
    r"(?:列出|列一下|列举|给出)(?:人居署|服务目录)?(?:的)?\s*([A-K])\s*(?:部分|类|节)(?:的)?(?:所有|全部)?服务",
    _I,
)


_WHAT_IS_IT = re.compile(r"(?:是什么|是啥|是做什么的)\s*[?？]?\s*$")


# How many services the whole catalogue describes ("服务目录一共有多少项服务？", "How many services does UN-Habitat's
# catalogue contain?"): the whole question is the count, not how many of them do something
_CATALOGUE = r"(?:(?:the|UN-Habitat's|UN-Habitat|its)\s+)?(?:2022\s+)?(?:service\s+)?catalog(?:ue)?(?:\s+of services)?"
_SERVICES_COUNTED = re.compile(
    rf"\bhow many services (?:are (?:there |listed )?)?(?:in|does|do)\s+{_CATALOGUE}"
    r"(?:\s+(?:contain|include|list|have|offer|describe))?\s*[?？.]?\s*$|"
    r"\bhow many services does UN-Habitat(?: offer| provide| have)(?: in (?:its|the) catalog(?:ue)?)?\s*[?？.]?\s*$|"
    r"服务目录(?:中|里|里面)?(?:的服务)?(?:一共|共|总共)?(?:有|包括|包含|列出了|收录了?|介绍了)?(?:多少|几)\s*(?:项|个|种|条)?"
    r"(?:服务)?\s*[?？。]?\s*$|人居署(?:一共|共|总共)?(?:有|提供)(?:多少|几)\s*(?:项|个|种)服务\s*[?？。]?\s*$",
    _I,
)


def catalogue_listing(text: str) -> tuple[str, str] | None:
    """Which of the catalogue's own lists ``text`` asks for: ``("flagship", "")``, ``("section", "E")``,
    ``("sections", "")`` (how many services, section by section); or None."""
    if _FLAGSHIPS_LISTED.search(text):
        return "flagship", ""
    if _SERVICES_COUNTED.search(text):
        return "sections", ""
    m = _SECTION_LISTED.search(text)
    if m:
        return "section", next(g for g in m.groups() if g).upper()
    return None


# Which section of the catalogue is about a topic ("Which section of the UN-Habitat catalogue should I look in for
# climate support?", "服务目录哪个部分讲住房？"): the section named by the topic of its title, and its services
SECTION_ASKED = re.compile(
    r"\b(?:which|what)\s+(?:[\w'-]+\s+){0,2}?(?:sections?|parts?)\b(?!\s+of\s+(?:it|them|this|that|these|those)\b)|"
    r"哪(?:个|一)?个?(?:部分|小节|节)",
    _I,
)
# the catalogue named as such (not UN-Habitat or its services, which much else is about)
CATALOGUE_NAMED = re.compile(r"\bcatalog(?:ue)?s?\b|目录", _I)
# another of our documents named by its kind: its parts are no sections of the catalogue
_OTHER_DOCUMENT = re.compile(r"\breports?\b|\bpapers?\b|\breview\b|报告|论文|综述", _I)


def asks_section(text: str) -> bool:
    """``text`` asks which section of the catalogue something is in (the sections the ``Names`` give are read
    only then)."""
    return bool(SECTION_ASKED.search(text) and CATALOGUE_NAMED.search(text))


def _listing(u: Utterance, ctx: ChatContext) -> str | None:
    if u.record is not None and _WHAT_IS_IT.search(u.text):
        # "可持续发展目标城市旗舰项目是什么？" asks about that flagship, as "What is the SDG Cities flagship?" does
        return None
    asked = catalogue_listing(u.text)
    if asked:
        return f"asks for the catalogue's list: {asked[0]} {asked[1]}".strip()
    if len(u.sections) == 1 and u.record is None and not _OTHER_DOCUMENT.search(u.text):
        return f"asks which section of the catalogue is about its topic: {u.sections[0]}"
    return None


def _stage_about(u: Utterance, ctx: ChatContext) -> str | None:
    asked = stage_about(u.text)
    return f"asks what stage(s) {', '.join(asked[1])} are: {asked[0]}" if asked else None


def _support(u: Utterance, ctx: ChatContext) -> str | None:
    """An explicit request for support for the asker's own city ("有什么能支持我们？", "where do we begin?"), before
    the fact types its words may also carry ("几个月内", "where")."""
    own = _found(OWN_START, u.text)
    if own:
        return f"asks for support: {own}"
    if not FIRST_PERSON.search(u.text):
        return None
    found = _found(ASKS_SUPPORT, u.text)
    return f"asks for support: {found}" if found else None


# How the asker (or those they speak for) should act, or who or what could help them: "怎么才能不把他们甩下？",
# "该怎么弄？", "找谁帮忙评一评？", "哪里能找到？", "从哪下手？", "How do we avoid …?", "Who could help us evaluate
# it?", "Where could they find those?", "Is there a quick way to …?", "Any good ways to organise that?"
ACT_ASK = re.compile(
    r"(?:怎么|如何|怎样)(?:才能|才可以)|(?:该|要|应该|应当)(?:怎么|如何|怎样)|找谁|请谁|(?:哪里|哪儿|哪)(?:能|可以)?找|"
    r"去哪(?:里|儿)?找|有没有.{0,10}(?:路子|办法|途径|方法|做法|渠道)|(?:从|在)(?:哪|那)(?:里|儿)?(?:下手|入手|开始|着手)|"
    r"有(?:啥|什么)好(?:办法|方法|做法|点子)|不(?:知道|清楚|晓得)(?:该|要)?(?:怎么|如何|从哪)|怎么破|怎么办|咋办|咋整|"
    r"\bhow (?:do|can|should|could|would|might) (?:we|they|I)\b|\bwho (?:could|can|might|would) help (?:us|them|me)\b|"
    r"\bwhere (?:could|can|should|would|do) (?:we|they|I) (?:find|get|start|begin|look)\b|"
    r"\bis there (?:a|an|any) (?:[\w-]+ ){0,2}(?:way|route|option|approach|method)s?\b|"
    r"\bany (?:good )?(?:ways|ideas|options)\b",
    _I,
)
# An English sentence that opens with a question word or an inverted auxiliary asks from its first word
_OPENS_AS_QUESTION = re.compile(rf"\s*(?:what|which|who|whom|whose|when|where|why|how|{_AUXILIARY})\b", _I)
# what comes before the ask must say something of the situation: 12 Han characters, or 8 words
SITUATION_SIZE = 12
WORD_SIZE = 1.5


def _situation_ask(u: Utterance, ctx: ChatContext) -> str | None:
    """The asker describes a situation (their city's, or one they speak for), then asks how to act or who could
    help: what fits is the answer ("…不少老人根本不上网，怎么才能不把他们甩下？", "… lack a ready-made syllabus.
    Where could they find those?"). Not about a named record, not what a third party does, not the conditions something
    sets ("What conditions must we meet, and how do we sign up?")."""
    if u.record or _third_party(u) or CONDITIONS_ASKED.search(u.text):
        return None
    spans = split_sentences(u.text)
    if not spans:
        return None
    a, b = spans[-1]
    last = u.text[a:b]
    clause = max(last.rfind("，"), last.rfind(","), last.rfind("；"), last.rfind(";"))
    # the clauses of the asking sentence before its ask tell the situation, unless the sentence opens as a question
    # ("What commitments must a city make …, and is there any way …?" asks two things, and tells nothing)
    in_clause = clause >= 0 and _found(ACT_ASK, last[clause + 1 :]) and not _OPENS_AS_QUESTION.match(last)
    ask_at = a + clause + 1 if in_clause else a
    found = _found(ACT_ASK, u.text[ask_at:])
    if not found:
        return None
    # what the asker tells: the sentences before the ask that do not themselves ask ("B 阶段的城市要做出哪些承诺？
    # 有没有办法跳过 A 阶段？" tells nothing)
    told = [u.text[s:e] for s, e in spans[:-1] if not u.text[s:e].rstrip().endswith(("?", "？"))]
    before = " ".join([*told, u.text[a:ask_at]])
    size = len(HAN.findall(before)) + WORD_SIZE * len(WORDS.findall(before))
    return f"a situation, then asks how to act: {found}" if size >= SITUATION_SIZE else None


# An auxiliary right before a name: the named thing is the subject of the question ("Which European body has SDG
# Cities been cooperating with?")
_AUXILIARY_BEFORE = re.compile(rf"\b{_AUXILIARY}\s+(?:the\s+)?$", _I)


def _third_party(u: Utterance) -> bool:
    """What a third party (the documents' publishers, the documents, a named record) does, recommends or holds is
    asked, and not by the asker's city."""
    if FIRST_PERSON.search(u.text):
        return False
    if THIRD_PARTY_ACTS.search(u.text):
        return True
    at = u.text.casefold().find(u.record_name.casefold()) if u.record_name else -1
    return at > 0 and bool(_AUXILIARY_BEFORE.search(u.text[:at]))


def _asked(text: str) -> str:
    """What a message asks: its sentences that end in a question mark, or the whole message when none does
    ("how many cities joined"). "We'd like a diagnostic of where to start. What support is available?" asks
    only its last sentence; "where to start" is part of the situation."""
    asked = [text[a:b] for a, b in split_sentences(text) if text[a:b].rstrip().endswith(("?", "？"))]
    return " ".join(asked) if asked else text


# A day or year near the asker's own: what happened in the last days or will happen next. "Today" and "now" alone
# are not among them ("What does MCR2030 offer cities today?" is asked of the documents).
NEAR_DATE = re.compile(
    r"\b(?:tomorrow|tonight|yesterday|this (?:morning|afternoon|evening|weekend)|(?:next|coming) "
    r"(?:week|weekend|month|year)|last (?:night|week|weekend|month))\b|"
    r"明天|明日|明年|昨天|昨日|昨晚|今早|今晚|今天(?:早上|上午|下午|晚上)|[这本]周末|(?<![以如])[上下]个?(?:周|星期)(?![期边])|(?<![以如])下个?月",
    _I,
)


# The assistant's own view or forecast asked for ("do you think", "in your opinion", "predict how many", "你觉得",
# "给个判断"); "Which stage do you think we are in?" is a stage ask and "Which tool would you recommend?" a request,
# both decided earlier or excluded here
OPINION = re.compile(
    r"\b(?:do you (?:personally )?(?:think|believe|reckon)|in your (?:personal )?(?:opinion|view)|"
    r"your (?:personal )?(?:opinion|view|verdict|judge?ment|take)|(?:can|could|would) you predict|"
    r"predict (?:how|whether|what|which|when|if))\b|"
    r"[你您](?:个人)?(?:觉得|认为|怎么看|的看法|的判断)|给个判断|预测一下|帮我预测",
    _I,
)


def _opinion(u: Utterance, ctx: ChatContext) -> str | None:
    if FIRST_PERSON.search(u.text) or RECOMMEND.search(u.text):
        return None  # "Do you think our city should join?", "Which tool would you recommend?"
    return _found(OPINION, u.text)


def _dated(u: Utterance, ctx: ChatContext) -> str | None:
    """The question itself (its sentences that ask, ``_asked``) is pinned to a near date, and the asker does not
    speak of their own city: "CityRAP 要多长时间？局里要排明年的工作计划" asks the documents (the date is in the
    sentence that does not ask), and "我们市明年想加入 MCR2030，要准备什么？" asks about the city's own plan."""
    if FIRST_PERSON.search(u.text) or (not _QUESTION_MARK.search(u.text) and _wants(u, ctx)):
        return None  # "下个月要办一期培训班，手头连本教材都没有" states what the city lacks
    return _found(NEAR_DATE, _asked(u.text))


def _fact(u: Utterance, ctx: ChatContext) -> str | None:
    if not _QUESTION_MARK.search(u.text) and _wants(u, ctx):
        return None  # a statement of what the city lacks: "…a diagnostic of where to start." asks no place
    kind = question_type(_asked(u.text))
    if kind == "expansion":
        return "asks what an abbreviation stands for"  # "GCC 是什么的缩写": each full form the documents give
    if _defines(u):
        return None  # "USCORE2 那个同行评审是怎么回事" asks what a record is, not how
    if u.record is not None and LINK_ASK.search(u.text):
        return None  # "where can I find it?" asks for the record's links, not a place
    if kind not in _FACT_TYPES:
        return None
    if RECOMMEND.search(u.text) and kind in {"list", "procedure"} and not _third_party(u):
        return None  # "what tools ..." / "how can we ... which service" is a recommendation
    return f"asks for a {kind}"


def _recommend(u: Utterance, ctx: ChatContext) -> str | None:
    m = RECOMMEND.search(u.text)
    if m is None or _in_name(u, m.start(), m.end()):
        return None  # "tell me about the Capacity Assessment Tool for Infrastructure": "Tool" is the record's name
    if m.group(0).casefold().endswith("support") and not FIRST_PERSON.search(u.text):
        # "What support is available for cities in stage A?" asks what the documents say cities get, as "A 阶段的
        # 城市可以获得哪些支持？" does; "What support is out there for us?" asks what fits the asker
        return None
    if AREA_ASKED.search(u.text) and not FIRST_PERSON.search(u.text):
        return None  # "…这是 MCR2030 哪个专题领域讲的？列了哪些工具？": the tools an area lists, in the documents
    if not _third_party(u) and not _defines(u):  # "E.3 是什么服务？" asks what a record is
        return m.group(0)
    return None


def records_asked(text: str) -> bool:
    """The message asks for a kind of record (a tool, a service, a programme) by what it is for, whatever else it
    asks ("Which UN-Habitat service is made for this, and how long does one of its workshops take?", "人居署哪项
    服务是为此设计的？一次讲习班要多久？"), and not about a document that holds no records: what fits is an
    answer when no passage answers it directly."""
    asked = RECOMMEND.search(text) is not None or _KIND_ASKED.search(text) is not None
    return asked and RECORDLESS_DOCUMENT.search(text) is None


# Which kind of record, asked for ("人居署哪项服务是为此设计的？", "which UN-Habitat programme is made for this?")
_KIND_ASKED = re.compile(
    r"哪(?:项|个|种|些|一)个?(?:服务|工具|方案|旗舰项目|项目|计划)|"
    r"\b(?:which|what)\s+(?:[\w-]+\s+){0,3}?(?:tools?|services?|programmes?|programs?|methodolog(?:y|ies))\b",
    _I,
)


# The kind of record said before its name, which points at it ("service B.4", "the flagship programme RISE-UP",
# "服务 B.4"): part of naming it, not a kind of thing asked for.
_KIND_BEFORE_NAME = re.compile(
    r"(?:\b(?:the\s+)?(?:un-habitat\s+)?(?:service|tool|programme|program|flagship(?:\s+programme)?)|服务|工具|项目)\s*$",
    _I,
)


def _in_name(u: Utterance, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` overlaps the words that name the record ``u`` names, with the kind of record said
    before its name ("What is service B.4?" asks what B.4 is, not what services there are)."""
    if not u.record_name:
        return False
    at = u.text.casefold().find(u.record_name.casefold())
    if at < 0:
        return False
    kind = _KIND_BEFORE_NAME.search(u.text[:at])
    first = kind.start() if kind else at
    return start < at + len(u.record_name) and first < end


# Contact details asked for: a mailbox, a phone number, whom to contact (not a website: "is there a website with
# case studies?" asks for a resource, which the catalogue lists; not "a phone app" or "we'd like to contact a
# city that…", a need)
CONTACT_ASKED = re.compile(
    r"联系方式|联系人|联络方式|邮箱|电子邮件|邮件地址|电话号码|联系电话|"
    r"\bcontact (?:details|information|info|person|address|email)\b|\b(?:the|a) contact (?:for|of|at)\b|"
    r"\b(?:how|who) (?:do|should|can|could) (?:I|we) contact\b|\be-?mail(?: address)?\b|\bphone number\b|"
    r"\btelephone\b",
    _I,
)


def _wants(u: Utterance, ctx: ChatContext) -> str | None:
    """The asker describes their city and what it wants or lacks, and asks nothing the documents answer: what
    fits that situation is the answer ("我们需要一个公认的概念框架…", "We'd like an objective review …")."""
    # Chinese leaves the subject out ("想帮最穷的居民扛住，还想争取点气候资金。"), English names it ("The city wants to
    # set up an urban data platform."): a statement that asks nothing speaks for the asker unless it names what a
    # third party does
    speaks_for_us = FIRST_PERSON.search(u.text) or (
        not _QUESTION_MARK.search(u.text) and not _ASKED_EN.search(u.text) and not _third_party(u)
    )
    if not speaks_for_us or _YES_NO_ZH.search(u.text) or _YES_NO_EN.search(u.text):
        return None  # "…还需要从 A 阶段起步吗？", "…MCR2030 会不会介入？" ask the documents something
    if CONTACT_ASKED.search(u.text):
        return None  # "我想找非洲区域办公室的联系方式" wants an address the documents give, not a tool
    if _QUESTION_MARK.search(u.text) and question_type(_asked(u.text)) != "other":
        return None
    # wanting to know about our own city is a need for a diagnosis ("wants to know where our resilience stands")
    if CRITERIA_ASKED.search(u.text) and MOVING_ON.search(u.text):
        return None  # "从规划推进到实施，需要满足哪些条件" asks for criteria, it needs nothing
    needs = [n for n in stated_needs(u.text) if not _WANTS_TO_KNOW.search(n) or FIRST_PERSON.search(n)]
    if needs:
        return f"states a need: {needs[0]}"
    if _QUESTION_MARK.search(u.text) or (question_type(u.text) != "other" and not _NOT_KNOWN.search(u.text)):
        return None
    problem = _found(PROBLEM, u.text)
    return f"states a problem: {problem}" if problem else None


def _defines(u: Utterance) -> bool:
    """The message asks what the record it names is: "E.3 是什么服务", "自愿地方评估是什么", "what Voluntary Local
    Reviews are", "what's PASSA" (also when the asker speaks of their city: "our mayor wants to know what …")."""
    if not u.record_name:
        return False
    name = re.escape(u.record_name)
    # its name, quoted, its acronym after it, the kind of record after it ("…城市旗舰项目是什么")
    quoted = (
        rf"[《“\"「]?{name}[》”\"」]?(?:\s*[（(][^）)]{{1,24}}[）)])?"
        r"(?:\s*(?:旗舰项目|旗舰方案|旗舰计划|旗舰倡议|倡议|项目|服务|工具|计划|方案|平台))?"
    )
    return bool(
        re.search(
            rf"{quoted}\s*(?:到底)?(?:是(?:什么|啥)(?!样|时候|时间|地方|人)|是干嘛|是干啥|是做什么|是干什么|(?:是)?(?:什么|啥)来头|"
            # what it is about ("服务 C.2 是关于什么的？", "讲的是什么"), as "what is service C.2 about?"
            r"是关于(?:什么|啥)(?:的)?\s*[?？。.!！]*$|(?:主要)?讲(?:的)?(?:是)?(?:什么|啥)\s*[?？。.!！]*$)|"
            rf"(?:什么是|何为|何谓)\s*{quoted}|{name}\s*[-–—,:?？]*\s*what(?:'s| is| are)\s+(?:it|that|this|they)\b|"
            rf"{quoted}\s*(?:有|的)(?:什么|啥)?(?:资料|介绍|材料)|{quoted}.{{0,12}}是怎么回事|"
            rf"{quoted}\s*的(?:介绍|简介|资料|说明)|(?:了解|介绍)(?:一下)?\s*{quoted}\s*[?？。.!！]*$|"
            rf"\bwhat(?:'s|s| is| are)\s+(?:the\s+)?(?:service\s+|tool\s+|programme\s+)?{name}|"
            rf"\bwhat\s+(?:the\s+)?{name}\s+(?:is|are)\b|"
            rf"\b(?:anything|something|info|information|more|details) (?:on|about) (?:the\s+)?{name}|"
            rf"{name}\s*[-–—:]\s*(?:a\s+)?(?:quick\s+|short\s+|brief\s+)?(?:overview|summary|intro|introduction)\b",
            u.text,
            _I,
        )
    )


# The words of MORE that ask what anything is ("what is", "是什么"): they ask what the record is only where they
# name it (``_defines``)
_GENERIC_WHAT = re.compile(r"what is|what's|是什么|什么是|what (?:is|are) (?:it|they)", _I)


def _lookup(u: Utterance, ctx: ChatContext) -> str | None:
    if u.record is None or (FIRST_PERSON.search(u.text) and not _defines(u)):
        return None
    if sum(1 for part in ASK_PARTS.split(u.text) if ASKING.search(part)) >= 2:
        # a second ask after what the record is ("What is the MCR2030 Dashboard for, and can we keep our progress
        # hidden?"): a question for the record's passages (the record alongside), each ask answered
        return None
    # "What is the role of the technical support centres in SDG Cities?" asks what something of the record is, not
    # what the record is: a question for its passages (the record alongside)
    if _defines(u) or any(not _GENERIC_WHAT.fullmatch(m.group(0)) for m in MORE.finditer(u.text)):
        return f"names record {u.record} and asks what it is"
    rest = u.text.casefold().replace(u.record_name.casefold(), " ") if u.record_name else u.text
    if len(BARE.sub("", POINTING.sub(" ", rest))) <= BARE_REST_CHARS:
        return f"names record {u.record}, alone"
    return None  # anything else said about a named record is a question for its passages (the record alongside)


def _short(u: Utterance) -> bool:
    """A greeting or a request for help is a few words: at most 20 Han characters or 12 words."""
    return len(HAN.findall(u.text)) <= SHORT_HAN and len(WORDS.findall(u.text)) <= SHORT_WORDS


def _ours(u: Utterance) -> bool:
    """Our stage is asked about our city."""
    return bool(FIRST_PERSON.search(u.text))


# A request to be told about something ("tell me about the participatory slum upgrading programme", "介绍一下参与式
# 贫民窟改造"): information asked, not what fits a situation
INFO_REQUEST = re.compile(
    r"^\s*(?:please\s+|pls\s+|(?:can|could) you\s+)?(?:tell me (?:more )?about|explain|describe|what (?:is|are)\b|"
    r"what's\b)|^\s*(?:请)?(?:(?:给我|帮我)?(?:介绍|讲讲|说说|解释)(?:一下)?|什么是)",
    _I,
)


_TOOLS_ASKED = re.compile(r"工具|服务|\btools?\b|\bservices?\b", _I)


def _for_us(u: Utterance) -> bool:
    """What fits is asked for our city, or stated as our situation (a statement, no question mark); a request to
    be told about something, without our city in it, is neither."""
    if FIRST_PERSON.search(u.text):
        return True
    if _QUESTION_MARK.search(u.text):
        return False
    return not INFO_REQUEST.search(u.text) or bool(_TOOLS_ASKED.search(u.text))  # "tell me about tools for …"


SHORT_HAN, SHORT_WORDS = 20, 12
# What each intent is by definition, which a vote of similar messages cannot override: a question about another
# city's initiative is no request for what fits, however like one it reads.
SIMILAR_INTENTS: dict[str, Callable[[Utterance], bool]] = {
    "stage": _ours,
    "help": _short,
    "greeting": _short,
    "recommend": _for_us,
}


# Which thematic area, section or chapter of a document says something ("Which MCR2030 thematic area deals with
# this, and what does it say?", "哪个专题领域讲的是…"): a question for the documents, whatever situation comes before it
PART_ASKED = re.compile(
    r"\b(?:which|what)\s+(?:[\w'-]+\s+){0,2}?(?:thematic\s+(?:support\s+)?areas?|sections?|chapters?)\b|"
    r"哪(?:个|一)?个?(?:专题(?:支持)?领域|节|章|部分)",
    _I,
)


# Which thematic area of the MCR2030 overview says something ("Which MCR2030 thematic area deals with …?",
# "…——MCR2030 哪个专题领域讲的是这件事？"): the areas' own passages hold the answer
AREA_ASKED = re.compile(
    r"\b(?:which|what)\s+(?:[\w'-]+\s+){0,2}?thematic\s+(?:support\s+)?areas?\b|哪(?:个|一)?个?专题(?:支持)?领域", _I
)


# What a named thing is for ("What is a citywide slum upgrading strategy supposed to achieve?", "What were the aims of
# the congress?", "该倡议的目的是什么？"): a question for the documents, whatever situation comes before it
PURPOSE_ASKED = re.compile(
    r"\b(?:supposed|meant|intended|designed)\s+to\s+(?:achieve|accomplish|deliver|do)\b|"
    r"\bwhat\s+(?:is|are|was|were)\s+(?:the\s+)?(?:main\s+)?(?:aims?|goals?|purposes?|objectives?)\s+of\b|"
    r"(?:目的|宗旨|目标)是什么|旨在(?:实现)?什么|要(?:达到|实现)什么",
    _I,
)


def _similar(intent: str) -> Matcher:
    """A message no pattern recognised, which the messages known to be like it agree is ``intent``, and which
    is what ``intent`` is by definition (``SIMILAR_INTENTS``)."""

    def matcher(u: Utterance, ctx: ChatContext) -> str | None:
        if (
            not SIMILAR_INTENTS[intent](u)
            or SURVEY_CONTENT.search(u.text)
            or CONTACT_ASKED.search(u.text)
            or PART_ASKED.search(u.text)
            or PURPOSE_ASKED.search(u.text)
            or (intent == "recommend" and CONDITIONS_ASKED.search(u.text))
            or (intent == "stage" and TOOL_ASKED.search(u.text))
        ):
            # checked first: a message no intent could be by definition (or one asking what the survey asks, for
            # contact details, which thematic area or section says something or what a thing is for, a question
            # by definition; the conditions something sets, never a request; a tool asked for, never a stage
            # assessment) is never embedded for a vote
            return None
        vote = u.similar()
        if vote is None or vote[0] != intent:
            return None
        return f"like known {intent} messages (nearest {vote[1]:.2f})"

    return matcher


def _similar_closing(u: Utterance, ctx: ChatContext) -> str | None:
    """A message like known greetings that thanks or takes leave: answered as a closing, not greeted back."""
    if not FAREWELL.search(u.text):
        return None
    return _similar("greeting")(u, ctx)


def _question(u: Utterance, ctx: ChatContext) -> str | None:
    return "default: a question for the documents"


ROUTES: tuple[Route, ...] = (
    Route("stage_answer", "stage", _stage_answer),
    Route("no_question", "help", _no_question),
    Route("greeting", "greeting", _greeting),
    Route("closing", "greeting", _closing),
    Route("reset", "greeting", _reset),
    Route("help", "help", _help),
    Route("stage_followup", "recommend", _stage_followup),
    Route("ordinal", "lookup", _ordinal),
    Route("survey", "question", _survey),
    Route("stage", "stage", _stage),
    Route("criteria", "question", _criteria),
    Route("stage_about", "question", _stage_about),
    Route("areas", "question", _areas),
    Route("area_listing", "question", _area_listing),
    Route("area_about", "question", _area_about),
    Route("listing", "question", _listing),
    Route("support", "recommend", _support),
    Route("situation", "recommend", _situation_ask),
    Route("dated", "question", _dated),
    Route("opinion", "question", _opinion),
    Route("browse", "recommend", _browse),
    Route("fact", "question", _fact),
    Route("recommend", "recommend", _recommend),
    Route("lookup", "lookup", _lookup),
    Route("wants", "recommend", _wants),
    Route("similar_closing", "greeting", _similar_closing),
    *(Route(f"similar_{intent}", intent, _similar(intent)) for intent in SIMILAR_INTENTS),
    Route("question", "question", _question),
)


# The colloquial first person read as the written one the patterns know: 咱们 / 咱 / 俺们 for 我们 ("咱们市在路线图上
# 离终点还有多远？")
_COLLOQUIAL_WE = re.compile(r"咱们|俺们|咱(?=[市县区省城])")


def _colloquial(text: str) -> str:
    return _COLLOQUIAL_WE.sub("我们", text)


# A document that holds no records to recommend, named by its kind (the review paper, a board report): a message
# asking which tool or initiative it proposes asks that document ("执行局报告推荐用什么工具？"), and a recommendation
# from the catalogue and the roadmap's tools would answer another question
RECORDLESS_DOCUMENT = re.compile(
    "|".join(KIND_WORDS[kind].pattern for kind in ("research paper", "board report"))
    # a report named by its topic ("according to the urban-crises report")
    + r"|\baccording to the (?:[\w-]+\s+){0,2}report\b",
    re.IGNORECASE,
)


def decide(text: str, ctx: ChatContext, names: Names | None = None, similar: Similar | None = None) -> Decision:
    """The route of one message in ``ctx``: ``text`` whitespace-collapsed, traditional characters read as
    simplified (the patterns and the catalogue names are simplified), the colloquial 咱们 read as 我们.
    ``similar`` gives the vote of known messages (``Assistant.similar``); without it the ``similar_*`` routes never
    fire."""
    text = _colloquial(simplified(" ".join(text.split())))
    mention = names.mention(text) if names is not None else None
    vote = cache(lambda: similar(text)) if similar is not None else _no_vote
    record, record_name = mention or (None, "")
    areas = names.areas(text) if names is not None else areas_named(text)
    sections = names.sections(text) if names is not None and asks_section(text) else ()
    u = Utterance(text, record=record, record_name=record_name, areas=areas, sections=sections, similar=vote)
    recordless = RECORDLESS_DOCUMENT.search(text) is not None
    for route in ROUTES:
        if recordless and route.intent == "recommend":
            continue  # "which initiative among the review's action cases fits?": that document's, not our records
        evidence = route.matcher(u, ctx)
        if evidence is not None:
            return Decision(route.name, route.intent, evidence, u.areas, u.sections)
    raise AssertionError("the last route always matches")  # pragma: no cover


# An item of the last list pointed at by its place ("the first one", "the third of them", "第二个"), not an ordinal
# word of a name ("the first Resilient Cities Congress")
ITEM_POINTED = re.compile(
    rf"\b(?:{_ORDINAL_WORD})\s+(?:one|of them|of those|item|option|tool|service|programme|program|recommendation|"
    rf"flagship)\b|\b{_NUMBER_N}\b|第\s*(?:{_ZH_PLACE})\s*(?:个|项|条)",
    _I,
)


def pointed_item(text: str) -> int | None:
    """The place of the item of the last list a message points at ("Who runs the first one?" -> 1), or None."""
    m = ITEM_POINTED.search(text)
    return ordinal_of(m.group(0)) if m else None


def ordinal_of(text: str) -> int | None:
    """The position a message points at ("the second one", "第二个"), 1-10, or None."""
    m = ORDINAL.search(text)
    if not m:
        return None
    word = (m.group(1) or m.group(2) or "").lower()
    if word in _ORDINALS:
        return _ORDINALS[word]
    digits = re.sub(r"\D", "", word)
    return int(digits) if digits else None


def stage_of_followup(text: str) -> str | None:
    """The stage letter of a follow-up such as "and for stage B?"."""
    m = STAGE_FOLLOW.search(text)
    return (m.group(1) or m.group(2)).upper() if m else None


_HALFWIDTH = str.maketrans("ＡＢＣ", "ABC")
# A stage named by its letter: "A 阶段", "阶段 B", "Stage C" (a lower-case "stage a" is no stage)
_STAGE_BY_LETTER = re.compile(r"[ABCＡＢＣ]\s*阶段|阶段\s*[ABCＡＢＣ](?![A-Za-z])|\b[Ss]tage\s+[ABC]\b")
# A bare follow-up naming another thematic area ("What about area 3?", "专题领域 3 呢？") or catalogue record ("And
# E.4?", "E.4 呢？"); the message before names its own as ``_AREA_NUMBER`` and ``RECORD_ID`` read them
_AREA_FOLLOW = _follow_up(
    r"(?:for\s+)?(?:thematic\s+)?(?:support\s+)?areas?\s*\d{1,2}", r"(?:专题(?:支持)?)?领域\s*\d{1,2}"
)
# a bare follow-up naming another step between stages ("And from A to B?", "那从 A 到 B 呢？")
_STEP_FOLLOW = _follow_up(
    r"(?:from\s+)?(?:stage\s*)?([abc])\s+(?:to|into)\s+(?:stage\s*)?([abc])",
    r"(?:从\s*)?([ABC])\s*(?:阶段)?\s*(?:到|至|进入|推进至|升至)\s*([ABC])\s*(?:阶段)?",
)
_ID_FOLLOW = _follow_up(
    r"(?:(?:for\s+)?(?:the\s+)?service\s+)?" + RECORD_ID.pattern, r"(?:服务\s*)?" + RECORD_ID.pattern
)


def asked_again_for(earlier: str, text: str) -> str | None:
    """``earlier`` asked again of the stage, step, thematic area or catalogue record a bare follow-up names ("What are
    the commitments of Stage A cities?", then "And for stage B?" asks "What are the commitments of Stage B
    cities?"; "专题领域 2 下面列了哪些工具？" then "专题领域 3 呢？"; "What does service E.3 offer?" then "And
    E.4?"); None unless ``text`` is such a follow-up and ``earlier`` names one other of the same kind, in a form
    this can rewrite."""
    letter = stage_of_followup(text)
    if letter is not None:
        letters = {
            c.translate(_HALFWIDTH)
            for m in _STAGE_BY_LETTER.finditer(earlier)
            for c in re.findall("[ABCＡＢＣ]", m.group(0))
        }
        # named_stages is empty for a step between stages ("from stage A to B"), not asked again of one stage
        if len(letters) != 1 or letter in letters or named_stages(earlier) != frozenset(letters):
            return None
        return _STAGE_BY_LETTER.sub(lambda m: re.sub("[ABCＡＢＣ]", letter, m.group(0)), earlier)
    if (step := _STEP_FOLLOW.match(text)) is not None:
        a, b = (g.upper() for g in step.groups() if g)
        steps = stage_refs(earlier)
        # one step before it, another one now ("from B to C", then "and from A to B?")
        if len(steps) != 1 or not next(iter(steps)).count(">") or f"{a}>{b}" in steps:
            return None
        return with_step(earlier, f"{a}>{b}")
    if _AREA_FOLLOW.match(text):
        new, before = areas_named(text), areas_named(earlier)
        # one area each, the one before named by a number ("areas 4 and 5", "the fifth thematic area" are not)
        if len(new) != 1 or len(before) != 1 or new == before or [str(n) for n in before] != _area_numbers(earlier):
            return None
        return _renamed(_AREA_NUMBER, earlier, str(new[0]))
    if _ID_FOLLOW.match(text):
        new_id = RECORD_ID.search(text)
        ids = {m.group(0) for m in RECORD_ID.finditer(earlier)}
        if new_id is None or len(ids) != 1 or new_id.group(0) in ids:
            return None
        return RECORD_ID.sub(new_id.group(0), earlier)
    return None


# "it" / "this area" / "它" / "这个领域": the thematic area the message before named, in a follow-up naming none
_THE_AREA = re.compile(
    r"\b(?:it|this area|that area|the area|this one)\b|它|(?:这个|该|这一|那个)(?:专题)?领域",
    _I,
)


def area_referred(earlier: str, text: str) -> str | None:
    """``text`` naming the one thematic area ``earlier`` named, when it asks for tools and points back at an area
    without naming one ("Tell me about thematic area 7." then "Which tools does it list?" / "它列出了哪些工具？");
    None otherwise."""
    if areas_named(text) or not _THE_AREA.search(text) or not _AREA_TOOLS_ASKED.search(text):
        return None
    before = areas_named(earlier)
    if len(before) != 1:
        return None
    return f"{text} (thematic area {before[0]})" if script_lang(text) == "en" else f"{text}（专题领域 {before[0]}）"


def _area_numbers(text: str) -> list[str]:
    """What each ``_AREA_NUMBER`` of ``text`` names, as written ("2", "4 and 5")."""
    return [m.group(m.lastindex or 0) for m in _AREA_NUMBER.finditer(text)]


def _renamed(pattern: re.Pattern[str], text: str, new: str) -> str:
    """``text`` with the group each match of ``pattern`` fills (its last, one of alternatives) replaced by ``new``."""

    def rename(m: re.Match[str]) -> str:
        g = m.lastindex or 0
        return m.string[m.start() : m.start(g)] + new + m.string[m.end(g) : m.end()]

    return pattern.sub(rename, text)


def survey_answer(text: str) -> bool | None:
    """True / False for a yes / no answer, None for not sure (or anything else)."""
    if YES.match(text):
        return True
    if NO.match(text):
        return False
    return None


def is_unsure(text: str) -> bool:
    return bool(UNSURE.match(text))
