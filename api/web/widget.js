/*! Resilience Navigator widget: one dependency-free script, no secrets. Apache-2.0.
 *
 * Chat assistant (default):
 *   <script src="https://HOST/static/widget.<hash>.js" data-api-base="https://HOST" data-lang="zh"
 *           data-title="..." data-color="#0b6e4f" data-city="..." data-stage="B" defer></script>
 * Embeddable list of recommended tools:
 *   <script src="..." data-view="tools" data-stage="B" data-theme="2" data-situation="..." data-lang="en"
 *           data-k="5" data-target="#where" defer></script>
 * Or from code: window.Resnav.mount({apiBase, lang, title, color, city, stage, target, open}) and
 * window.Resnav.mountTools({apiBase, lang, title, stage, theme, situation, k, target}).
 *
 * Everything renders in a Shadow DOM. Text from the service is only ever set with textContent, and only
 * http(s) URLs become links. Theme it with CSS custom properties on the host element (.resnav-host):
 * --resnav-accent, --resnav-accent-text, --resnav-bg, --resnav-fg, --resnav-muted, --resnav-radius, --resnav-font.
 */
(function (w, d) {
  "use strict";

  var VERSION = "1";
  var QUESTIONS = 15;

  var T = {
    zh: {
      title: "韧性导航助手",
      subtitle: "MCR2030 · 联合国人居署服务目录",
      launcher: "韧性导航",
      open: "打开韧性导航助手",
      close: "关闭助手",
      other: "EN",
      otherLabel: "Switch to English",
      inputLabel: "您的问题",
      placeholder: "输入您的问题",
      inputHint: "按 Enter 发送，Shift+Enter 换行",
      send: "发送",
      hello: "您好！",
      cityHello: "您好！我是{city}的韧性导航助手。",
      welcome: "我可以依据 MCR2030 和联合国人居署的文件回答问题（附原文出处），评估城市处于韧性路线图的哪个阶段，并推荐合适的工具和服务。",
      tryThese: "可以这样问",
      suggestions: ["我们处于路线图的哪个阶段？", "有哪些工具可以帮助城市评估灾害风险？", "城市韧性行动规划需要多长时间？"],
      stageAsk: "我们处于路线图的哪个阶段？",
      you: "您说",
      bot: "助手回答",
      thinking: "正在查找资料…",
      failed: "抱歉，暂时无法回答：",
      offline: "无法连接到服务，请稍后再试。",
      sources: "来源",
      openSource: "查看来源 {n}：{title}",
      source: "来源 {n}",
      closeSource: "关闭来源",
      section: "章节",
      page: "页码",
      file: "文件",
      quote: "原文",
      rendering: "译文",
      original: "原文（{lang}）",
      langs: { zh: "中文", en: "英文" },
      curatedNote: "整理说明，非文件原文",
      question: "问题 {n}",
      progress: "已知 {k}/{t} 项",
      progressLabel: "阶段评估进度",
      yes: "是",
      no: "否",
      unsure: "不确定",
      yesSend: "是",
      noSend: "否",
      unsureSend: "不确定",
      result: "评估结果",
      undecided: "暂时无法确定阶段",
      undecidedHint: "可以补充城市的情况后再问一次。",
      stage: "{s} 阶段",
      stageNames: { A: "推进城市认知", B: "推进城市规划", C: "推进城市实施" },
      recs: "推荐的工具和服务",
      tools: "推荐工具",
      toolsFor: "适合 {s} 阶段城市的工具",
      kinds: { mcr_tool: "MCR2030 工具", unhabitat_service: "联合国人居署服务", flagship: "旗舰项目" },
      area: "专题领域 {n}",
      website: "网站",
      inCatalogue: "在目录中查看",
      allTools: "查看完整目录",
      loading: "加载中…",
      none: "暂无匹配的工具。",
      helpful: "这个回答有帮助吗？",
      up: "有帮助",
      down: "没有帮助",
      issue: "哪里有问题？",
      issues: {
        wrong_answer: "回答不正确",
        wrong_citation: "引用与回答不符",
        tool_outdated: "工具信息过时",
        stage_misjudged: "阶段判断有误",
        other: "其他"
      },
      comment: "补充说明（可选）",
      submit: "提交反馈",
      thanks: "感谢您的反馈！",
      newAnswer: "新回答：",
      lang: "中文"
    },
    en: {
      title: "Resilience Navigator",
      subtitle: "MCR2030 · UN-Habitat Catalogue of Services",
      launcher: "Ask Resilience Navigator",
      open: "Open the Resilience Navigator assistant",
      close: "Close the assistant",
      other: "中文",
      otherLabel: "切换到中文",
      inputLabel: "Your question",
      placeholder: "Type your question",
      inputHint: "Enter sends, Shift+Enter adds a line",
      send: "Send",
      hello: "Hello!",
      cityHello: "Hello! I am the resilience assistant of {city}.",
      welcome: "I answer from the MCR2030 and UN-Habitat documents (with the passages quoted), check which stage of the resilience roadmap a city is in, and recommend tools and services.",
      tryThese: "Try asking",
      suggestions: [
        "Which stage of the roadmap are we in?",
        "Which tools help a city assess its disaster risk?",
        "How long does CityRAP take?"
      ],
      stageAsk: "Which stage of the roadmap are we in?",
      you: "You said",
      bot: "Assistant",
      thinking: "Looking it up…",
      failed: "Sorry, no answer right now: ",
      offline: "The service cannot be reached; please try again later.",
      sources: "Sources",
      openSource: "Open source {n}: {title}",
      source: "Source {n}",
      closeSource: "Close the source",
      section: "Section",
      page: "Page",
      file: "File",
      quote: "Quoted text",
      rendering: "In English",
      original: "Original ({lang})",
      langs: { zh: "Chinese", en: "English" },
      curatedNote: "Curated note, not from the documents",
      question: "Question {n}",
      progress: "{k} of {t} known",
      progressLabel: "Stage check progress",
      yes: "Yes",
      no: "No",
      unsure: "Not sure",
      yesSend: "yes",
      noSend: "no",
      unsureSend: "not sure",
      result: "Result",
      undecided: "The stage cannot be decided yet",
      undecidedHint: "Describe the city's situation and ask again.",
      stage: "Stage {s}",
      stageNames: { A: "Cities know better", B: "Cities plan better", C: "Cities implement better" },
      recs: "Recommended tools and services",
      tools: "Recommended tools",
      toolsFor: "Tools for Stage {s} cities",
      kinds: { mcr_tool: "MCR2030 tool", unhabitat_service: "UN-Habitat service", flagship: "Flagship programme" },
      area: "Area {n}",
      website: "Website",
      inCatalogue: "Open in the catalogue",
      allTools: "See the whole catalogue",
      loading: "Loading…",
      none: "No matching tools.",
      helpful: "Was this helpful?",
      up: "Helpful",
      down: "Not helpful",
      issue: "What was wrong?",
      issues: {
        wrong_answer: "The answer is wrong",
        wrong_citation: "A source does not support it",
        tool_outdated: "A tool is outdated",
        stage_misjudged: "The stage is misjudged",
        other: "Something else"
      },
      comment: "Comment (optional)",
      submit: "Send feedback",
      thanks: "Thank you for the feedback!",
      newAnswer: "New answer: ",
      lang: "English"
    }
  };

  function fmt(s, vars) {
    return String(s).replace(/\{(\w+)\}/g, function (m, k) {
      return vars && vars[k] != null ? String(vars[k]) : m;
    });
  }

  // our curated note on a record, in the reader's language (the Chinese one exists where the document gives
  // only a name and a link); labelled as ours wherever it is shown
  function curatedOf(rec, lang) {
    return lang === "en" ? rec.summary_en : rec.summary_zh;
  }

  /* -- safe DOM -------------------------------------------------------------------------------------------- */
  // h("button", {class: "x", "aria-label": "..."}, "text" | node | [..]): attributes via setAttribute, text via
  // text nodes. Never innerHTML.
  function h(tag, attrs, kids) {
    var el = d.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, k) || attrs[k] == null || attrs[k] === false) continue;
        if (k === "href") throw new Error("use link()");
        el.setAttribute(k, attrs[k] === true ? "" : String(attrs[k]));
      }
    }
    add(el, kids);
    return el;
  }

  function add(el, kids) {
    if (kids == null) return el;
    if (!Array.isArray(kids)) kids = [kids];
    kids.forEach(function (k) {
      if (k == null || k === false) return;
      el.appendChild(typeof k === "object" ? k : d.createTextNode(String(k)));
    });
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  // Only absolute http(s) URLs become links; anything else (javascript:, data:, relative) is null.
  function safeUrl(u) {
    if (typeof u !== "string") return null;
    try {
      var url = new URL(u);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function link(url, text, label) {
    var href = safeUrl(url);
    if (!href) return h("span", { class: "rn-url" }, text || url);
    var a = h("a", { target: "_blank", rel: "noopener noreferrer", "aria-label": label || null }, text || href);
    a.href = href;
    return a;
  }

  function applyCss(root, css) {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      root.appendChild(h("style", null, css));
    }
  }

  function cleanBase(base) {
    var url = safeUrl(base);
    return url ? url.replace(/\/+$/, "") : null;
  }

  function themeHost(host, color) {
    if (color && /^#[0-9a-f]{3,8}$/i.test(color)) host.style.setProperty("--resnav-accent", color);
  }

  /* -- configuration ---------------------------------------------------------------------------------------- */
  function scriptConfig(s) {
    var ds = s.dataset || {};
    var origin = null;
    try {
      origin = new URL(s.src, location.href).origin;
    } catch (e) {
      origin = null;
    }
    return {
      apiBase: ds.apiBase || origin,
      view: ds.view || "chat",
      lang: ds.lang,
      title: ds.title,
      color: ds.color,
      city: ds.city,
      stage: ds.stage,
      theme: ds.theme,
      situation: ds.situation,
      kind: ds.kind,
      k: ds.k,
      target: ds.target,
      open: ds.open === "true" || ds.open === "",
      anchor: s
    };
  }

  function pickLang(lang) {
    if (lang === "zh" || lang === "en") return lang;
    var nav = (navigator.language || "").toLowerCase();
    return nav.indexOf("zh") === 0 ? "zh" : "en";
  }

  function pickStage(stage) {
    stage = String(stage || "").toUpperCase();
    return /^[ABC]$/.test(stage) ? stage : null;
  }

  function resolveTarget(target) {
    if (!target) return null;
    if (typeof target === "string") {
      try {
        return d.querySelector(target);
      } catch (e) {
        return null;
      }
    }
    return target.nodeType === 1 ? target : null;
  }

  /* -- HTTP ------------------------------------------------------------------------------------------------- */
  function apiError(res) {
    return res
      .json()
      .catch(function () {
        return null;
      })
      .then(function (body) {
        var msg = body && body.error && body.error.message ? body.error.message : "HTTP " + res.status;
        var err = new Error(msg);
        err.api = true;
        throw err;
      });
  }

  function getJson(base, path) {
    return fetch(base + path, { credentials: "omit", headers: { Accept: "application/json" } }).then(function (r) {
      return r.ok ? r.json() : apiError(r);
    });
  }

  function postJson(base, path, body) {
    return fetch(base + path, {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.ok ? r.json() : apiError(r);
    });
  }

  // POST /v1/chat as server-sent events: onDelta(text) for each piece, resolves with the `done` payload.
  async function streamChat(base, body, onDelta) {
    var res = await fetch(base + "/v1/chat", {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(Object.assign({ stream: true }, body))
    });
    if (!res.ok) return apiError(res);
    var type = res.headers.get("content-type") || "";
    if (type.indexOf("text/event-stream") < 0 || !res.body) return res.json();
    var reader = res.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    var done = null;
    function handle(block) {
      var event = "message";
      var data = [];
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event:") === 0) event = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
      });
      if (!data.length) return;
      var value = JSON.parse(data.join("\n"));
      if (event === "delta" && value && typeof value.text === "string") onDelta(value.text);
      else if (event === "done") done = value;
    }
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, "\n");
      var cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        handle(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
      }
    }
    if (buffer.trim()) handle(buffer);
    if (!done) throw new Error("the answer stream ended early");
    return done;
  }

  /* -- styles ----------------------------------------------------------------------------------------------- */
  var BASE_CSS = [
    ":host{all:initial;--a:var(--resnav-accent,#0b6e4f);--at:var(--resnav-accent-text,#fff);",
    "--bg:var(--resnav-bg,#fff);--fg:var(--resnav-fg,#1d2733);--mu:var(--resnav-muted,#5b6776);",
    "--bd:var(--resnav-border,#d8dee6);--soft:var(--resnav-soft,#f3f6f8);--r:var(--resnav-radius,12px);",
    "font-family:var(--resnav-font,system-ui,-apple-system,'Segoe UI','PingFang SC','Hiragino Sans GB',",
    "'Microsoft YaHei','Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif);font-size:15px;line-height:1.5;color:var(--fg)}",
    "*{box-sizing:border-box}",
    "button,select,textarea,input{font:inherit;color:inherit}",
    "button{cursor:pointer}",
    ":focus-visible{outline:3px solid color-mix(in srgb,var(--a) 55%,#fff);outline-offset:2px}",
    "a{color:var(--a);text-underline-offset:2px}",
    ".rn-url{color:var(--mu);word-break:break-all}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    ".chip{display:inline-flex;align-items:center;gap:4px;border:1px solid var(--bd);background:var(--bg);",
    "border-radius:999px;padding:1px 8px;font-size:12px;color:var(--mu);white-space:nowrap}",
    ".badge{display:inline-block;font-size:11px;font-weight:600;letter-spacing:.02em;text-transform:uppercase;",
    "color:var(--a);background:color-mix(in srgb,var(--a) 10%,#fff);border-radius:6px;padding:1px 6px}",
    ".card{border:1px solid var(--bd);border-radius:10px;padding:10px 12px;background:var(--bg)}",
    ".card h4{margin:4px 0 2px;font-size:15px;line-height:1.35}",
    ".card .alt{margin:0;color:var(--mu);font-size:12.5px}",
    ".card p{margin:6px 0 0;font-size:13.5px}",
    ".card ul{margin:6px 0 0;padding-left:18px;font-size:13px;color:var(--fg)}",
    ".meta{display:flex;flex-wrap:wrap;gap:4px;margin-top:6px}",
    ".links{display:flex;flex-wrap:wrap;gap:10px;margin-top:8px;font-size:13px}"
  ].join("");

  var CHAT_CSS = [
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;display:flex;align-items:center;gap:8px;",
    "border:0;border-radius:999px;background:var(--a);color:var(--at);padding:12px 18px 12px 14px;",
    "box-shadow:0 6px 20px rgba(0,0,0,.22);font-weight:600}",
    ".launcher svg{width:22px;height:22px;flex:none}",
    ".panel{position:fixed;right:20px;bottom:20px;z-index:2147483001;width:400px;max-width:calc(100vw - 24px);",
    "height:min(660px,calc(100vh - 40px));display:flex;flex-direction:column;background:var(--bg);",
    "border-radius:var(--r);box-shadow:0 12px 40px rgba(0,0,0,.25);overflow:hidden}",
    ".panel[hidden],.launcher[hidden],.sheet[hidden]{display:none}",
    ".inline .panel{position:relative;right:auto;bottom:auto;width:100%;max-width:none;",
    "height:var(--resnav-height,600px);box-shadow:none;border:1px solid var(--bd)}",
    "header{display:flex;align-items:center;gap:8px;padding:12px 12px 12px 16px;background:var(--a);color:var(--at)}",
    "header .t{flex:1;min-width:0}",
    "header h2{margin:0;font-size:16px;line-height:1.3;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}",
    "header p{margin:0;font-size:12px;opacity:.85;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}",
    ".hb{border:1px solid rgba(255,255,255,.55);background:transparent;color:inherit;border-radius:8px;",
    "min-width:36px;height:34px;padding:0 8px;font-size:13px;font-weight:600}",
    ".hb:hover{background:rgba(255,255,255,.15)}",
    ".log{flex:1;overflow-y:auto;padding:14px 14px 6px;display:flex;flex-direction:column;gap:12px;background:var(--soft)}",
    ".msg{display:flex;flex-direction:column;gap:8px;max-width:100%}",
    ".msg.user{align-items:flex-end}",
    ".bubble{padding:9px 12px;border-radius:12px;white-space:pre-line;overflow-wrap:anywhere;max-width:92%}",
    ".user .bubble{background:var(--a);color:var(--at);border-bottom-right-radius:4px}",
    ".bot .bubble{background:var(--bg);border:1px solid var(--bd);border-bottom-left-radius:4px}",
    ".bot .bubble.err{border-color:#e0a3a3;background:#fff5f5;color:#8a1f1f}",
    ".cite{display:inline-flex;align-items:center;justify-content:center;min-width:22px;height:20px;",
    "margin:0 1px;padding:0 5px;border:1px solid color-mix(in srgb,var(--a) 45%,#fff);border-radius:999px;",
    "background:color-mix(in srgb,var(--a) 9%,#fff);color:var(--a);font-size:11.5px;font-weight:700;",
    "line-height:1;vertical-align:1px}",
    ".cite:hover{background:var(--a);color:var(--at)}",
    ".srcs{display:flex;flex-wrap:wrap;gap:6px;align-items:center;font-size:12px;color:var(--mu)}",
    ".srcs .src{display:inline-flex;gap:6px;align-items:center;max-width:100%;border:1px solid var(--bd);",
    "background:var(--bg);border-radius:999px;padding:2px 10px 2px 3px;font-size:12px;color:var(--fg)}",
    ".srcs .src b{display:inline-flex;justify-content:center;min-width:20px;height:20px;align-items:center;",
    "border-radius:999px;background:var(--a);color:var(--at);font-size:11px}",
    ".srcs .src span{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;max-width:250px}",
    ".stage{border:1px solid var(--bd);background:var(--bg);border-radius:10px;padding:10px 12px}",
    ".stage .q{font-size:12px;font-weight:700;color:var(--a);text-transform:uppercase;letter-spacing:.03em}",
    ".stage .qt{margin:4px 0 8px}",
    ".bar{height:8px;border-radius:99px;background:var(--soft);border:1px solid var(--bd);overflow:hidden}",
    ".bar i{display:block;height:100%;background:var(--a);border-radius:99px;transition:width .3s}",
    ".pl{font-size:12px;color:var(--mu);margin-top:4px}",
    ".opts{display:flex;gap:8px;margin-top:10px}",
    ".opts button{flex:1;border:1px solid var(--a);background:var(--bg);color:var(--a);border-radius:8px;",
    "padding:7px 4px;font-weight:600}",
    ".opts button:hover:not(:disabled){background:var(--a);color:var(--at)}",
    ".opts button:disabled{opacity:.45;cursor:default}",
    ".opts button[aria-pressed=true]{background:var(--a);color:var(--at);opacity:.8}",
    ".result{display:flex;gap:12px;align-items:center;border-radius:10px;padding:10px 12px;",
    "background:color-mix(in srgb,var(--a) 10%,#fff);border:1px solid color-mix(in srgb,var(--a) 35%,#fff)}",
    ".result .big{flex:none;width:46px;height:46px;border-radius:50%;display:flex;align-items:center;",
    "justify-content:center;background:var(--a);color:var(--at);font-size:22px;font-weight:800}",
    ".result small{display:block;color:var(--mu);font-size:12px}",
    ".result strong{font-size:15px}",
    ".recs{display:flex;flex-direction:column;gap:8px}",
    ".recs h3{margin:2px 0 0;font-size:13px;color:var(--mu);font-weight:600}",
    ".fb{display:flex;flex-wrap:wrap;align-items:center;gap:6px;font-size:12px;color:var(--mu)}",
    ".fb .th{border:1px solid var(--bd);background:var(--bg);border-radius:8px;width:32px;height:28px;",
    "display:inline-flex;align-items:center;justify-content:center;color:var(--mu)}",
    ".fb .th svg{width:16px;height:16px}",
    ".fb .th[aria-pressed=true]{background:var(--a);border-color:var(--a);color:var(--at)}",
    ".fbf{display:flex;flex-direction:column;gap:6px;width:100%;margin-top:4px}",
    ".fbf label{font-size:12px;color:var(--fg)}",
    ".fbf select,.fbf input{width:100%;border:1px solid var(--bd);border-radius:8px;padding:6px 8px;background:var(--bg)}",
    ".fbf button,.send{border:0;border-radius:8px;background:var(--a);color:var(--at);padding:7px 12px;font-weight:600}",
    ".intro{background:var(--bg);border:1px solid var(--bd);border-radius:12px;padding:12px}",
    ".intro p{margin:0 0 8px}",
    ".intro h3{margin:8px 0 6px;font-size:12px;color:var(--mu);font-weight:600}",
    ".sugg{display:flex;flex-direction:column;gap:6px;align-items:flex-start}",
    ".sugg button{border:1px solid color-mix(in srgb,var(--a) 40%,#fff);background:var(--bg);color:var(--a);",
    "border-radius:999px;padding:4px 12px;font-size:13.5px;text-align:left}",
    ".sugg button:hover{background:color-mix(in srgb,var(--a) 8%,#fff)}",
    "form.in{display:flex;gap:8px;align-items:flex-end;padding:10px 12px;border-top:1px solid var(--bd);background:var(--bg)}",
    "form.in textarea{flex:1;resize:none;min-height:42px;max-height:120px;border:1px solid var(--bd);",
    "border-radius:10px;padding:9px 10px;background:var(--bg)}",
    ".send{height:42px;padding:0 14px}",
    ".send:disabled{opacity:.5;cursor:default}",
    ".sheet{position:absolute;inset:0;z-index:3;display:flex;flex-direction:column;background:var(--bg)}",
    ".sheet .sh{display:flex;align-items:center;gap:8px;padding:12px 12px 12px 16px;border-bottom:1px solid var(--bd)}",
    ".sheet .sh h3{flex:1;margin:0;font-size:15px}",
    ".sheet .sh button{border:1px solid var(--bd);background:var(--bg);border-radius:8px;height:34px;padding:0 10px}",
    ".sheet .sb{flex:1;overflow-y:auto;padding:14px 16px}",
    ".sheet h4{margin:0 0 10px;font-size:15px;line-height:1.4}",
    ".sheet dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;margin:0 0 12px;font-size:13px}",
    ".sheet dt{color:var(--mu)}",
    ".sheet dd{margin:0;overflow-wrap:anywhere}",
    ".sheet blockquote{margin:0;padding:10px 12px;border-left:4px solid var(--a);background:var(--soft);",
    "border-radius:0 8px 8px 0;white-space:pre-wrap;overflow-wrap:anywhere;font-size:14px}",
    ".sheet .prov{margin:6px 0 10px;font-size:12px;color:var(--mu)}",
    ".sheet details.orig summary{cursor:pointer;margin:0 0 8px;font-size:13px;color:var(--a)}",
    ".note{display:block;margin-top:4px;font-size:12px;color:var(--mu)}",
    ".note b{font-weight:600}",
    ".typing{color:var(--mu);font-style:italic}",
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100%;border-radius:0}",
    ".launcher{right:12px;bottom:12px}.srcs .src span{max-width:180px}}"
  ].join("");

  var TOOLS_CSS = [
    ".tools{border:1px solid var(--bd);border-radius:var(--r);background:var(--bg);padding:14px 16px}",
    ".tools h2{margin:0 0 10px;font-size:17px;color:var(--fg)}",
    ".tools ol{list-style:none;margin:0;padding:0;display:grid;gap:10px;",
    "grid-template-columns:repeat(auto-fill,minmax(min(100%,250px),1fr))}",
    ".tools .st{color:var(--mu);font-size:14px}",
    ".tools .more{display:inline-block;margin-top:12px;font-size:14px;font-weight:600}"
  ].join("");

  var ICON_CHAT =
    "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6h10M7 13h6";
  var ICON_UP = "M7 10v11H3V10h4zm2 11h8.3a2 2 0 0 0 2-1.6l1.4-7A2 2 0 0 0 18.7 10H14V5a2 2 0 0 0-2-2l-3 7v11z";
  var ICON_DOWN =
    "M17 14V3h4v11h-4zm-2-11H6.7a2 2 0 0 0-2 1.6l-1.4 7A2 2 0 0 0 5.3 14H10v5a2 2 0 0 0 2 2l3-7V3z";

  function icon(path) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = d.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var p = d.createElementNS(ns, "path");
    p.setAttribute("d", path);
    p.setAttribute("fill", "none");
    p.setAttribute("stroke", "currentColor");
    p.setAttribute("stroke-width", "2");
    p.setAttribute("stroke-linejoin", "round");
    p.setAttribute("stroke-linecap", "round");
    svg.appendChild(p);
    return svg;
  }

  /* -- shared pieces ------------------------------------------------------------------------------------- */
  function recordCard(rec, lang, t, base, opts) {
    opts = opts || {};
    var primary = lang === "en" && rec.name_en ? rec.name_en : rec.name || rec.name_en || rec.id;
    var secondary = lang === "en" ? (rec.name && rec.name !== primary ? rec.name : null) : rec.name_en || null;
    var meta = h("div", { class: "meta" });
    (rec.stage || []).forEach(function (s) {
      add(meta, h("span", { class: "chip" }, fmt(t.stage, { s: s })));
    });
    (rec.areas || []).forEach(function (n) {
      add(meta, h("span", { class: "chip" }, fmt(t.area, { n: n })));
    });
    var summary = null;
    if (rec.display && rec.display.section_title) summary = rec.display.section_title;
    else if (lang === "zh" && rec.section_title) summary = rec.section_title;
    var reasons = null;
    if (rec.reasons && rec.reasons.length) {
      reasons = h("ul", { "aria-label": lang === "zh" ? "推荐理由" : "Why it fits" });
      rec.reasons.forEach(function (r) {
        var li = h("li");
        if (opts.citeInto) opts.citeInto(li, r, rec.citations || []);
        else add(li, String(r).replace(/\s*\[\d+\]/g, ""));
        add(reasons, li);
      });
    }
    var links = h("div", { class: "links" });
    (rec.urls || []).forEach(function (u) {
      add(links, link(u, null, t.website + ": " + primary));
    });
    if (base) {
      var a = h("a", { target: "_blank", rel: "noopener" }, t.inCatalogue);
      a.href = base + "/catalogue?lang=" + lang + "&open=" + encodeURIComponent(rec.id);
      add(links, a);
    }
    return h("article", { class: "card", "aria-label": primary }, [
      h("span", { class: "badge" }, (t.kinds[rec.kind] || rec.kind) + (rec.section ? " · " + rec.id : "")),
      h("h4", null, primary),
      secondary ? h("p", { class: "alt", lang: lang === "en" ? "zh" : "en" }, secondary) : null,
      summary && !reasons ? h("p", null, summary) : null,
      reasons,
      curatedOf(rec, lang) ? h("p", { class: "note" }, [h("b", null, t.curatedNote + ": "), curatedOf(rec, lang)]) : null,
      meta.childNodes.length ? meta : null,
      links.childNodes.length ? links : null
    ]);
  }

  /* -- the chat widget ------------------------------------------------------------------------------------ */
  function mount(config) {
    config = config || {};
    var base = cleanBase(config.apiBase) || location.origin;
    var state = {
      lang: pickLang(config.lang),
      stage: pickStage(config.stage),
      messages: [],
      context: null,
      busy: false,
      sheetOpener: null
    };
    if (state.stage) state.context = { stage: state.stage };
    var target = resolveTarget(config.target);
    var host = h("div", { class: "resnav-host", "data-resnav": "chat" });
    themeHost(host, config.color);
    var root = host.attachShadow({ mode: "open" });
    applyCss(root, BASE_CSS + CHAT_CSS);
    var t = T[state.lang];
    var ids = "rn" + Math.random().toString(36).slice(2, 8);

    var wrap = h("div", { class: target ? "inline" : "floating" });
    var launcher = h("button", { class: "launcher", type: "button", "aria-expanded": "false", "aria-controls": ids + "p" });
    var launcherText = h("span");
    add(launcher, [icon(ICON_CHAT), launcherText]);
    var panel = h("section", { class: "panel", id: ids + "p", role: "dialog", "aria-labelledby": ids + "t" });
    var titleEl = h("h2", { id: ids + "t" });
    var subEl = h("p");
    var langBtn = h("button", { class: "hb", type: "button" });
    var closeBtn = h("button", { class: "hb", type: "button" }, "✕");
    var header = h("header", null, [h("div", { class: "t" }, [titleEl, subEl]), langBtn, target ? null : closeBtn]);
    var log = h("div", { class: "log", role: "log", "aria-live": "off", tabindex: "0" });
    var live = h("div", { class: "sr", "aria-live": "polite", "aria-atomic": "true" });
    var form = h("form", { class: "in" });
    var inputLabel = h("label", { class: "sr", for: ids + "i" });
    var inputHint = h("span", { class: "sr", id: ids + "h" });
    var input = h("textarea", { id: ids + "i", rows: "1", maxlength: "2000", enterkeyhint: "send", "aria-describedby": ids + "h" });
    var sendBtn = h("button", { class: "send", type: "submit" });
    add(form, [inputLabel, inputHint, input, sendBtn]);
    var sheet = h("div", { class: "sheet", role: "dialog", "aria-modal": "true", "aria-labelledby": ids + "s", hidden: true });
    add(panel, [header, log, form, live, sheet]);
    add(wrap, [target ? null : launcher, panel]);
    root.appendChild(wrap);
    if (!target) panel.hidden = !config.open;
    launcher.hidden = !panel.hidden;
    var intro = null;

    function chrome() {
      t = T[state.lang];
      host.setAttribute("lang", state.lang === "zh" ? "zh-CN" : "en");
      launcherText.textContent = t.launcher;
      launcher.setAttribute("aria-label", t.open);
      titleEl.textContent = config.title || t.title;
      subEl.textContent = config.city ? config.city + " · " + t.subtitle : t.subtitle;
      langBtn.textContent = t.other;
      langBtn.setAttribute("aria-label", t.otherLabel);
      langBtn.setAttribute("lang", state.lang === "zh" ? "en" : "zh");
      closeBtn.setAttribute("aria-label", t.close);
      inputLabel.textContent = t.inputLabel;
      input.setAttribute("placeholder", t.placeholder);
      inputHint.textContent = t.inputHint;
      sendBtn.textContent = t.send;
      log.setAttribute("aria-label", t.title);
      if (intro && !state.messages.length) renderIntro();
    }

    function renderIntro() {
      var sugg = h("div", { class: "sugg" });
      t.suggestions.forEach(function (q) {
        var b = h("button", { type: "button" }, q);
        b.addEventListener("click", function () {
          ask(q);
        });
        add(sugg, b);
      });
      var fresh = h("div", { class: "intro" }, [
        h("p", null, (config.city ? fmt(t.cityHello, { city: config.city }) : t.hello) + (state.lang === "en" ? " " : "") + t.welcome),
        h("h3", null, t.tryThese),
        sugg
      ]);
      if (intro && intro.parentNode) intro.parentNode.replaceChild(fresh, intro);
      else log.appendChild(fresh);
      intro = fresh;
    }

    function openPanel() {
      panel.hidden = false;
      launcher.hidden = true;
      launcher.setAttribute("aria-expanded", "true");
      input.focus();
    }

    function closePanel() {
      if (target) return;
      closeSheet();
      panel.hidden = true;
      launcher.hidden = false;
      launcher.setAttribute("aria-expanded", "false");
      launcher.focus();
    }

    function scrollDown() {
      log.scrollTop = log.scrollHeight;
    }

    /* citations: "[n]" markers become chips that open the quoted passage */
    function withCitations(el, text, citations) {
      var byN = {};
      (citations || []).forEach(function (c) {
        byN[c.n] = c;
      });
      var re = /\[(\d+)\]/g;
      var last = 0;
      var m;
      text = String(text || "");
      while ((m = re.exec(text))) {
        var c = byN[Number(m[1])];
        if (!c) continue;
        add(el, text.slice(last, m.index));
        add(el, citeChip(c));
        last = m.index + m[0].length;
      }
      add(el, text.slice(last));
      return el;
    }

    function citeChip(c) {
      var b = h("button", { type: "button", class: "cite", "aria-label": fmt(t.openSource, { n: c.n, title: c.title }) }, String(c.n));
      b.addEventListener("click", function () {
        openSheet(c, b);
      });
      return b;
    }

    function sourcesRow(citations) {
      if (!citations || !citations.length) return null;
      var row = h("div", { class: "srcs", role: "group", "aria-label": t.sources }, h("span", null, t.sources + ":"));
      // a chip names its section, or quotes its passage when several citations share a section
      var heading = function (c) {
        return c.section && c.section.length ? c.section[c.section.length - 1] : "";
      };
      var seen = {};
      citations.forEach(function (c) {
        seen[heading(c)] = (seen[heading(c)] || 0) + 1;
      });
      citations.forEach(function (c) {
        var head = heading(c);
        var shown = c.rendering ? c.rendering.text : c.quote;
        var label = head && seen[head] === 1 ? head : String(shown || "").replace(/\s+/g, " ").trim() || c.title;
        var where = [c.title].concat(c.section || []).join(" › ");
        var b = h("button", { type: "button", class: "src", title: where, "aria-label": fmt(t.openSource, { n: c.n, title: c.title }) }, [
          h("b", { "aria-hidden": "true" }, String(c.n)),
          h("span", null, label)
        ]);
        b.addEventListener("click", function () {
          openSheet(c, b);
        });
        add(row, b);
      });
      return row;
    }

    function openSheet(c, opener) {
      state.sheetOpener = opener;
      clear(sheet);
      var closeS = h("button", { type: "button", "aria-label": t.closeSource }, "✕");
      closeS.addEventListener("click", closeSheet);
      var dl = h("dl");
      if (c.section && c.section.length) add(dl, [h("dt", null, t.section), h("dd", null, c.section.join(" › "))]);
      add(dl, [h("dt", null, t.page), h("dd", null, c.page != null ? String(c.page) : "—")]);
      add(dl, [h("dt", null, t.file), h("dd", null, c.source + " [" + c.start + "–" + c.end + "]")]);
      add(sheet, [
        h("div", { class: "sh" }, [h("h3", { id: ids + "s" }, fmt(t.source, { n: c.n })), closeS]),
        h("div", { class: "sb", tabindex: "0" }, [
          h("h4", null, c.title),
          dl,
        ].concat(quoteParts(c)))
      ]);
      sheet.hidden = false;
      closeS.focus();
    }

    /* The quote as the reader sees it: a rendering (labelled with its provenance) with the authoritative original
       one click away, or the original alone. */
    function quoteParts(c) {
      var lang = c.lang === "en" ? "en" : "zh";
      var original = h("blockquote", { lang: lang, class: "orig" }, c.quote);
      if (!c.rendering) return [h("p", { class: "sr" }, t.quote), original];
      var details = h("details", { class: "orig" }, [
        h("summary", null, fmt(t.original, { lang: t.langs[lang] || lang })),
        original
      ]);
      return [
        h("p", { class: "sr" }, t.rendering),
        h("blockquote", { lang: c.rendering.lang === "zh" ? "zh" : "en", class: "rend" }, c.rendering.text),
        h("p", { class: "prov" }, c.rendering.label),
        details
      ];
    }

    function closeSheet() {
      if (sheet.hidden) return false;
      sheet.hidden = true;
      clear(sheet);
      var opener = state.sheetOpener;
      state.sheetOpener = null;
      if (opener && opener.isConnected) opener.focus();
      return true;
    }

    /* stage dialogue */
    function stageCard(reply) {
      var ctx = reply.context || {};
      var known = Object.keys(ctx.stage_answers || {}).length;
      var bar = h("i");
      bar.style.width = Math.round((100 * Math.min(known, QUESTIONS)) / QUESTIONS) + "%";
      var progress = h("div", {
        class: "bar",
        role: "progressbar",
        "aria-label": t.progressLabel,
        "aria-valuemin": "0",
        "aria-valuemax": String(QUESTIONS),
        "aria-valuenow": String(known),
        "aria-valuetext": fmt(t.progress, { k: known, t: QUESTIONS })
      }, bar);
      var status = reply.stage && reply.stage.stage;
      if (ctx.pending_question == null && /^[ABC]$/.test(status || "")) {
        return h("div", { class: "result", role: "status" }, [
          h("div", { class: "big", "aria-hidden": "true" }, status),
          h("div", null, [
            h("small", null, t.result),
            h("strong", null, fmt(t.stage, { s: status }) + " · " + t.stageNames[status]),
            h("div", { class: "pl" }, fmt(t.progress, { k: known, t: QUESTIONS }))
          ])
        ]);
      }
      if (ctx.pending_question == null && status === "undecided") {
        return h("div", { class: "result", role: "status" }, [
          h("div", { class: "big", "aria-hidden": "true" }, "?"),
          h("div", null, [
            h("small", null, t.result),
            h("strong", null, t.undecided),
            h("div", { class: "pl" }, fmt(t.progress, { k: known, t: QUESTIONS }) + " · " + t.undecidedHint)
          ])
        ]);
      }
      if (ctx.pending_question == null) return null;
      var opts = h("div", { class: "opts", role: "group", "aria-label": fmt(t.question, { n: ctx.pending_question }) });
      var choices = [
        ["yes", t.yes, t.yesSend],
        ["no", t.no, t.noSend],
        ["unsure", t.unsure, t.unsureSend]
      ];
      choices.forEach(function (ch) {
        var b = h("button", { type: "button", "data-answer": ch[0] }, ch[1]);
        b.addEventListener("click", function () {
          if (state.busy) return;
          opts.querySelectorAll("button").forEach(function (x) {
            x.disabled = true;
          });
          b.setAttribute("aria-pressed", "true");
          ask(ch[2], { fromStage: true });
        });
        add(opts, b);
      });
      return h("div", { class: "stage", "data-question": String(ctx.pending_question) }, [
        h("div", { class: "q" }, fmt(t.question, { n: ctx.pending_question })),
        reply.follow_up ? h("p", { class: "qt" }, reply.follow_up) : null,
        progress,
        h("div", { class: "pl" }, fmt(t.progress, { k: known, t: QUESTIONS })),
        opts
      ]);
    }

    /* feedback: thumbs, then an issue code for a thumbs-down */
    function feedbackRow(answerId) {
      var row = h("div", { class: "fb", role: "group", "aria-label": t.helpful }, h("span", null, t.helpful));
      var up = h("button", { type: "button", class: "th", "aria-label": t.up, "aria-pressed": "false" }, icon(ICON_UP));
      var down = h("button", { type: "button", class: "th", "aria-label": t.down, "aria-pressed": "false" }, icon(ICON_DOWN));
      var done = h("span", { role: "status" });
      add(row, [up, down, done]);
      function send(rating, issue, comment) {
        var body = { answer_id: answerId, rating: rating };
        if (issue) body.issue = issue;
        if (comment) body.comment = comment;
        return postJson(base, "/v1/feedback", body).then(
          function () {
            done.textContent = t.thanks;
          },
          function (e) {
            done.textContent = t.failed + e.message;
          }
        );
      }
      up.addEventListener("click", function () {
        up.setAttribute("aria-pressed", "true");
        down.setAttribute("aria-pressed", "false");
        up.disabled = down.disabled = true;
        send(1);
      });
      down.addEventListener("click", function () {
        down.setAttribute("aria-pressed", "true");
        up.setAttribute("aria-pressed", "false");
        up.disabled = down.disabled = true;
        var fid = ids + "f" + answerId.slice(0, 8);
        var select = h("select", { id: fid + "s" });
        Object.keys(t.issues).forEach(function (code) {
          add(select, h("option", { value: code }, t.issues[code]));
        });
        var comment = h("input", { id: fid + "c", type: "text", maxlength: "2000" });
        var submit = h("button", { type: "submit" }, t.submit);
        var f = h("form", { class: "fbf" }, [
          h("label", { for: fid + "s" }, t.issue),
          select,
          h("label", { for: fid + "c" }, t.comment),
          comment,
          h("div", null, submit)
        ]);
        f.addEventListener("submit", function (ev) {
          ev.preventDefault();
          submit.disabled = true;
          send(-1, select.value, comment.value.trim()).then(function () {
            if (f.parentNode) f.parentNode.removeChild(f);
            done.setAttribute("tabindex", "-1");
            done.focus();
          });
        });
        row.appendChild(f);
        select.focus();
      });
      return row;
    }

    function addMessage(role, text) {
      var bubble = h("div", { class: "bubble" }, text);
      var msg = h("div", { class: "msg " + role, role: "article", "aria-label": role === "user" ? t.you : t.bot }, bubble);
      log.appendChild(msg);
      scrollDown();
      return { msg: msg, bubble: bubble };
    }

    async function ask(text, opts) {
      opts = opts || {};
      text = String(text || "").trim();
      if (!text || state.busy) return;
      state.busy = true;
      sendBtn.disabled = true;
      if (intro && intro.parentNode) intro.parentNode.removeChild(intro);
      intro = null;
      // an earlier question's buttons can no longer be answered
      log.querySelectorAll(".stage .opts button").forEach(function (b) {
        b.disabled = true;
      });
      var asked = addMessage("user", text);
      var view = addMessage("bot", null);
      var typing = h("span", { class: "typing" }, t.thinking);
      view.bubble.appendChild(typing);
      log.setAttribute("aria-busy", "true");
      state.messages.push({ role: "user", content: text.slice(0, 2000) });
      var streamed = "";
      var replyShown = false;
      try {
        var reply = await streamChat(
          base,
          { messages: state.messages.slice(-20), lang: state.lang, context: state.context },
          function (piece) {
            if (!streamed) clear(view.bubble);
            streamed += piece;
            view.bubble.appendChild(d.createTextNode(piece));
            scrollDown();
          }
        );
        state.context = reply.context || null;
        state.messages.push({ role: "assistant", content: String(reply.answer || "").slice(0, 1900) });
        renderReply(view, reply, opts);
        // a long reply is read from its question down, not from its last card up
        if (asked.msg.offsetHeight + view.msg.offsetHeight > log.clientHeight) {
          log.scrollTop = asked.msg.offsetTop - log.offsetTop - 8;
          replyShown = true;
        }
      } catch (e) {
        state.messages.pop();
        clear(view.bubble);
        view.bubble.classList.add("err");
        view.bubble.textContent = e && e.api ? t.failed + e.message : t.offline;
        live.textContent = view.bubble.textContent;
      } finally {
        state.busy = false;
        sendBtn.disabled = false;
        log.removeAttribute("aria-busy");
        if (!replyShown) scrollDown();
      }
    }

    function renderReply(view, reply, opts) {
      clear(view.bubble);
      withCitations(view.bubble, reply.answer, reply.citations);
      view.msg.setAttribute("data-intent", reply.intent || "");
      view.msg.setAttribute("data-answer-id", reply.answer_id || "");
      add(view.msg, sourcesRow(reply.citations));
      var stage = reply.intent === "stage" ? stageCard(reply) : null;
      add(view.msg, stage);
      if (reply.recommendations && reply.recommendations.length) {
        var list = h("div", { class: "recs" }, h("h3", null, t.recs));
        reply.recommendations.forEach(function (rec) {
          add(list, recordCard(rec, state.lang, t, base, { citeInto: withCitations }));
        });
        add(view.msg, list);
      }
      if (reply.answer_id) add(view.msg, feedbackRow(reply.answer_id));
      live.textContent = t.newAnswer + String(reply.answer || "").replace(/\s*\[\d+\]/g, "");
      if (opts.fromStage && stage) {
        var first = stage.querySelector("button");
        if (first) first.focus();
        else input.focus();
      }
    }

    launcher.addEventListener("click", openPanel);
    closeBtn.addEventListener("click", closePanel);
    langBtn.addEventListener("click", function () {
      state.lang = state.lang === "zh" ? "en" : "zh";
      chrome();
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var text = input.value;
      if (!text.trim() || state.busy) return;
      input.value = "";
      ask(text);
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
      }
    });
    wrap.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") {
        if (!closeSheet()) closePanel();
        ev.stopPropagation();
      } else if (ev.key === "Tab" && !sheet.hidden) {
        // keep focus inside the source panel while it is open
        var f = sheet.querySelectorAll("button,a[href],[tabindex='0']");
        if (!f.length) return;
        var first = f[0];
        var last = f[f.length - 1];
        var active = root.activeElement;
        if (ev.shiftKey && active === first) {
          ev.preventDefault();
          last.focus();
        } else if (!ev.shiftKey && active === last) {
          ev.preventDefault();
          first.focus();
        }
      }
    });

    chrome();
    renderIntro();
    (target || d.body).appendChild(host);
    var api = {
      host: host,
      open: openPanel,
      close: closePanel,
      ask: ask,
      setLang: function (lang) {
        state.lang = pickLang(lang);
        chrome();
      }
    };
    R._instances.push(api);
    return api;
  }

  /* -- the embeddable list of recommended tools ---------------------------------------------------------- */
  function mountTools(config) {
    config = config || {};
    var base = cleanBase(config.apiBase) || location.origin;
    var lang = pickLang(config.lang);
    var t = T[lang];
    var stage = pickStage(config.stage);
    var themes = String(config.theme || "")
      .split(/[\s,]+/)
      .map(Number)
      .filter(function (n) {
        return n >= 1 && n <= 12 && Math.floor(n) === n;
      });
    var kind = /^(mcr_tool|unhabitat_service|flagship)$/.test(config.kind || "") ? config.kind : null;
    var k = Math.max(1, Math.min(20, parseInt(config.k, 10) || 5));
    var situation = String(config.situation || "").trim().slice(0, 2000);
    var host = h("div", { class: "resnav-host", "data-resnav": "tools", lang: lang === "zh" ? "zh-CN" : "en" });
    themeHost(host, config.color);
    var root = host.attachShadow({ mode: "open" });
    applyCss(root, BASE_CSS + TOOLS_CSS);
    var title = config.title || (stage ? fmt(t.toolsFor, { s: stage }) : t.tools);
    var status = h("p", { class: "st", role: "status" }, t.loading);
    var list = h("ol", { "aria-label": title });
    var more = h("a", { class: "more", target: "_blank", rel: "noopener" }, t.allTools + " →");
    var q = ["lang=" + lang];
    if (stage) q.push("stage=" + stage);
    themes.forEach(function (n) {
      q.push("theme=" + n);
    });
    if (kind) q.push("kind=" + kind);
    more.href = base + "/catalogue?" + q.join("&");
    var box = h("section", { class: "tools", "aria-label": title, "aria-busy": "true" }, [h("h2", null, title), status, list, more]);
    root.appendChild(box);

    var target = resolveTarget(config.target);
    if (target) target.appendChild(host);
    else if (config.anchor && config.anchor.parentNode && config.anchor.parentNode !== d.head) {
      config.anchor.parentNode.insertBefore(host, config.anchor.nextSibling);
    } else d.body.appendChild(host);

    var request = situation
      ? postJson(base, "/v1/recommend", { situation: situation, stage: stage, themes: themes, kinds: kind ? [kind] : [], k: k, lang: lang })
      : getJson(base, "/v1/tools?page_size=" + k + "&" + q.join("&"));
    request.then(
      function (body) {
        var items = body.items || [];
        items.forEach(function (rec) {
          add(list, h("li", null, recordCard(rec, lang, t, base)));
        });
        if (items.length) box.removeChild(status);
        else status.textContent = t.none;
        box.removeAttribute("aria-busy");
      },
      function (e) {
        status.textContent = e && e.api ? t.failed + e.message : t.offline;
        box.removeAttribute("aria-busy");
      }
    );
    var api = { host: host };
    R._instances.push(api);
    return api;
  }

  var R = w.Resnav && w.Resnav.version === VERSION ? w.Resnav : { version: VERSION, _instances: [] };
  R.mount = mount;
  R.mountTools = mountTools;
  w.Resnav = R;

  var script = d.currentScript;
  if (script && script.src && !script.hasAttribute("data-manual")) {
    var cfg = scriptConfig(script);
    var start = function () {
      if (cfg.view === "tools") mountTools(cfg);
      else mount(cfg);
    };
    if (d.body) start();
    else d.addEventListener("DOMContentLoaded", start);
  }
})(window, document);
