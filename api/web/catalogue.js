/* The catalogue page for secretariat staff: search and facets over GET /v1/tools, a record's source text,
 * CSV export of the current filter and a coverage view. The whole state lives in the query string, so every
 * view is a shareable URL. Text from the service is only ever set with textContent; only http(s) URLs
 * become links. */
(function () {
  "use strict";

  var PAGE_SIZE = 20;
  var MULTI = ["theme", "section", "kind", "text_lang"];
  var KINDS = ["mcr_tool", "unhabitat_service", "flagship"];

  var T = {
    zh: {
      subtitle: "MCR2030 工具与联合国人居署服务目录",
      browse: "浏览",
      coverage: "覆盖情况",
      other: "English",
      otherLang: "en",
      search: "搜索",
      searchLabel: "搜索工具和服务（中文或英文）",
      searchPlaceholder: "例如：风险评估、early warning",
      clear: "清除筛选",
      filters: "筛选",
      stage: "路线图阶段",
      anyStage: "全部阶段",
      theme: "专题领域",
      section: "服务目录章节",
      kind: "类型",
      text_lang: "语言（有该语言文本）",
      langs: { zh: "中文", en: "英文" },
      kinds: { mcr_tool: "MCR2030 工具", unhabitat_service: "联合国人居署服务", flagship: "旗舰项目" },
      stageN: "{s} 阶段",
      areaN: "专题领域 {n}",
      results: "共 {n} 条记录",
      resultsQ: "“{q}”：{n} 条相关记录",
      csv: "导出 CSV",
      csvLabel: "将当前筛选结果导出为 CSV",
      source: "原文",
      sourceLabel: "查看原文：{name}",
      website: "网站",
      prev: "上一页",
      next: "下一页",
      pageOf: "第 {p} / {n} 页",
      none: "没有符合条件的记录。",
      loading: "加载中…",
      failed: "加载失败：",
      close: "关闭",
      doc: "文件",
      sectionPath: "章节",
      page: "页码",
      span: "位置",
      quote: "原文",
      fields: { overview: "概述", challenges: "应对的挑战", offer: "提供的服务", applications: "应用案例", duration: "支持时间", description: "说明" },
      places: "应用地点",
      tags: "可持续发展目标",
      covAreas: "各专题领域的记录数",
      covAreasNote: "红色：该专题领域没有 MCR2030 工具（或没有任何记录）。灰色的零：该类型中没有记录。",
      covNoTool: "没有 MCR2030 工具的专题领域：",
      covNoRecord: "没有任何记录的专题领域：",
      covNone: "无",
      covTotal: "合计",
      covArea: "专题领域",
      covSections: "服务目录各章节的服务数",
      covStages: "各阶段的记录数",
      covEnglish: "缺少英文文本的记录",
      curated: "整理说明，非文件原文：",
      rendering: "译文",
      original: "原文（英文）",
      covEnglishAll: "全部 {n} 条记录都有英文名称和简介。",
      covEnglishSome: "{n} 条记录缺少英文名称或简介：",
      sectionLetter: "{s} 部分"
    },
    en: {
      subtitle: "Catalogue of MCR2030 tools and UN-Habitat services",
      browse: "Browse",
      coverage: "Coverage",
      other: "中文",
      otherLang: "zh",
      search: "Search",
      searchLabel: "Search tools and services (English or Chinese)",
      searchPlaceholder: "e.g. risk assessment, 预警",
      clear: "Clear filters",
      filters: "Filters",
      stage: "Roadmap stage",
      anyStage: "Any stage",
      theme: "Thematic area",
      section: "Catalogue section",
      kind: "Kind",
      text_lang: "Language (has text in)",
      langs: { zh: "Chinese", en: "English" },
      kinds: { mcr_tool: "MCR2030 tool", unhabitat_service: "UN-Habitat service", flagship: "Flagship programme" },
      stageN: "Stage {s}",
      areaN: "Area {n}",
      results: "{n} records",
      resultsQ: "{n} records fitting “{q}”",
      csv: "Export CSV",
      csvLabel: "Export the current filter as CSV",
      source: "Source text",
      sourceLabel: "Source text of {name}",
      website: "Website",
      prev: "Previous",
      next: "Next",
      pageOf: "Page {p} of {n}",
      none: "No record matches.",
      loading: "Loading…",
      failed: "Could not load: ",
      close: "Close",
      doc: "Document",
      sectionPath: "Section",
      page: "Page",
      span: "Offsets",
      quote: "Source text",
      fields: { overview: "Overview", challenges: "Challenges", offer: "What UN-Habitat offers", applications: "Applications", duration: "Duration", description: "Description" },
      places: "Applied in",
      tags: "SDG targets",
      covAreas: "Records per thematic area",
      covAreasNote: "Red: the area has no MCR2030 tool (or no record at all). A grey zero: no record of that kind.",
      covNoTool: "Thematic areas without an MCR2030 tool: ",
      covNoRecord: "Thematic areas without any record: ",
      covNone: "none",
      covTotal: "Total",
      covArea: "Thematic area",
      covSections: "UN-Habitat services per catalogue section",
      covStages: "Records per roadmap stage",
      covEnglish: "Records without English text",
      curated: "Curated note, not from the documents: ",
      rendering: "In English",
      original: "Original (Chinese)",
      covEnglishAll: "All {n} records have an English name and summary.",
      covEnglishSome: "{n} records lack an English name or summary:",
      sectionLetter: "Section {s}"
    }
  };

  function fmt(s, v) {
    return String(s).replace(/\{(\w+)\}/g, function (m, k) {
      return v && v[k] != null ? String(v[k]) : m;
    });
  }

  // our curated note on a record, in the page's language (the Chinese one exists where the document gives only a
  // name and a link); labelled as ours wherever it is shown
  function curatedOf(item) {
    return state.lang === "en" ? item.summary_en : item.summary_zh;
  }

  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v == null || v === false) return;
        if (k === "href") throw new Error("use link()");
        el.setAttribute(k, v === true ? "" : String(v));
      });
    }
    add(el, kids);
    return el;
  }

  function add(el, kids) {
    if (kids == null) return el;
    (Array.isArray(kids) ? kids : [kids]).forEach(function (k) {
      if (k == null || k === false) return;
      el.appendChild(typeof k === "object" ? k : document.createTextNode(String(k)));
    });
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  function safeUrl(u) {
    try {
      var url = new URL(u);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  // A link to this page (same origin, relative) or, for data, to an http(s) URL only.
  function link(href, text, attrs) {
    var a = h("a", attrs || null, text);
    a.href = href;
    return a;
  }

  function outLink(url, text) {
    var href = safeUrl(url);
    if (!href) return h("span", { class: "url" }, url);
    var a = h("a", { target: "_blank", rel: "noopener noreferrer" }, text || href);
    a.href = href;
    return a;
  }

  /* -- state <-> URL ------------------------------------------------------------------------------------- */
  function readState() {
    var p = new URLSearchParams(location.search);
    var s = {
      q: (p.get("q") || "").slice(0, 2000),
      stage: /^[ABC]$/.test(p.get("stage") || "") ? p.get("stage") : "",
      lang: p.get("lang") === "en" ? "en" : "zh",
      page: Math.max(1, parseInt(p.get("page"), 10) || 1),
      view: p.get("view") === "coverage" ? "coverage" : "browse",
      open: p.get("open") || ""
    };
    MULTI.forEach(function (k) {
      s[k] = p.getAll(k).filter(Boolean);
    });
    return s;
  }

  function query(s, opts) {
    opts = opts || {};
    var p = new URLSearchParams();
    if (s.q) p.set("q", s.q);
    if (s.stage) p.set("stage", s.stage);
    MULTI.forEach(function (k) {
      s[k].forEach(function (v) {
        p.append(k, v);
      });
    });
    if (!opts.api || opts.lang) p.set("lang", s.lang);
    if (opts.api) return p;
    if (s.page > 1) p.set("page", String(s.page));
    if (s.view !== "browse") p.set("view", s.view);
    if (s.open) p.set("open", s.open);
    return p;
  }

  function pageUrl(s) {
    var q = query(s).toString();
    return location.pathname + (q ? "?" + q : "");
  }

  function go(next, replace) {
    state = next;
    var url = pageUrl(state);
    if (replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
    render();
  }

  function patch(changes, replace) {
    var next = Object.assign({}, state, changes);
    MULTI.forEach(function (k) {
      next[k] = (next[k] || []).slice();
    });
    go(next, replace);
  }

  /* -- data ---------------------------------------------------------------------------------------------- */
  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (r.ok) return r.json();
      return r
        .json()
        .catch(function () {
          return null;
        })
        .then(function (b) {
          throw new Error(b && b.error ? b.error.message : "HTTP " + r.status);
        });
    });
  }

  var labels = null;
  function loadLabels() {
    if (labels) return Promise.resolve(labels);
    return getJson("/catalogue/labels.json").then(function (l) {
      labels = l;
      return l;
    });
  }

  function label(kind, key) {
    var e = labels && labels[kind] && labels[kind][key];
    return e ? e[state.lang] || e.zh || e.en || key : "";
  }

  function allRecords() {
    var out = [];
    function page(n) {
      return getJson("/v1/tools?page_size=100&page=" + n + "&lang=" + state.lang).then(function (b) {
        out = out.concat(b.items);
        return out.length < b.total && b.items.length ? page(n + 1) : out;
      });
    }
    return page(1);
  }

  /* -- rendering ------------------------------------------------------------------------------------------ */
  var state = readState();
  var app = document.getElementById("app");
  var seq = 0;

  function t() {
    return T[state.lang];
  }

  function chrome() {
    var tt = t();
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    document.getElementById("subtitle").textContent = tt.subtitle;
    document.title = "Resilience Navigator · " + tt.subtitle;
    var sw = document.getElementById("lang-switch");
    sw.textContent = tt.other;
    sw.setAttribute("lang", tt.otherLang === "zh" ? "zh-CN" : "en");
    sw.href = pageUrl(Object.assign({}, state, { lang: tt.otherLang }));
    var tabs = clear(document.getElementById("tabs"));
    ["browse", "coverage"].forEach(function (v) {
      var a = link(pageUrl(Object.assign({}, state, { view: v, open: "" })), tt[v], {
        "aria-current": state.view === v ? "page" : null,
        "data-view": v
      });
      tabs.appendChild(a);
    });
  }

  function render() {
    chrome();
    var n = ++seq;
    var active = document.activeElement;
    var focusId = active && active !== document.body && app.contains(active) ? active.id : "";
    app.setAttribute("aria-busy", "true");
    var work = loadLabels().then(function () {
      return state.view === "coverage" ? renderCoverage(n) : renderBrowse(n);
    });
    work.then(
      function () {
        if (n !== seq) return;
        app.setAttribute("aria-busy", "false");
        // a re-rendered control keeps the keyboard focus (a facet checkbox, the search box)
        var again = focusId && !dialog ? document.getElementById(focusId) : null;
        if (again) again.focus();
      },
      function (e) {
        if (n !== seq) return;
        clear(app).appendChild(h("p", { class: "error", role: "alert" }, t().failed + e.message));
        app.setAttribute("aria-busy", "false");
      }
    );
  }

  function renderBrowse(n) {
    var api = query(state, { api: true, lang: true });
    api.set("page", String(state.page));
    api.set("page_size", String(PAGE_SIZE));
    return getJson("/v1/tools?" + api.toString()).then(function (body) {
      if (n !== seq) return;
      var tt = t();
      clear(app);
      var layout = h("div", { class: "layout" });
      layout.appendChild(facetsPanel(body.facets));
      var results = h("section", { class: "results", id: "results", tabindex: "-1", "aria-labelledby": "count" });
      var csv = query(state, { api: true, lang: true });
      csv.set("format", "csv");
      var head = h("div", { class: "rhead" }, [
        h("h2", { id: "count", role: "status" }, state.q ? fmt(tt.resultsQ, { n: body.total, q: state.q }) : fmt(tt.results, { n: body.total })),
        link("/v1/tools?" + csv.toString(), tt.csv, { class: "btn", download: "resnav-tools.csv", "aria-label": tt.csvLabel, id: "csv" })
      ]);
      results.appendChild(head);
      if (!body.items.length) results.appendChild(h("p", { class: "empty" }, tt.none));
      var list = h("ol", { class: "cards" });
      body.items.forEach(function (item) {
        list.appendChild(h("li", null, card(item)));
      });
      results.appendChild(list);
      results.appendChild(pager(body.total));
      layout.appendChild(results);
      app.appendChild(searchBar());
      app.appendChild(layout);
      if (state.open) openRecord(state.open, null);
    });
  }

  function searchBar() {
    var tt = t();
    var input = h("input", { type: "search", id: "q", name: "q", placeholder: tt.searchPlaceholder, maxlength: "2000", autocomplete: "off" });
    input.value = state.q;
    var form = h("form", { class: "search", role: "search" }, [
      h("label", { for: "q", class: "sr" }, tt.searchLabel),
      input,
      h("button", { type: "submit", class: "btn primary" }, tt.search),
      link(pageUrl({ q: "", stage: "", theme: [], section: [], kind: [], text_lang: [], lang: state.lang, page: 1, view: "browse", open: "" }), tt.clear, { class: "clear", "data-nav": "" })
    ]);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      patch({ q: input.value.trim(), page: 1, open: "" });
    });
    return form;
  }

  function facetsPanel(facets) {
    var tt = t();
    var aside = h("aside", { class: "facets", "aria-label": tt.filters });
    // stage: one value (radio)
    var fs = h("fieldset", null, h("legend", null, tt.stage));
    [""].concat(["A", "B", "C"]).forEach(function (s) {
      var id = "f-stage-" + (s || "any");
      var input = h("input", { type: "radio", name: "stage", id: id, value: s });
      input.checked = state.stage === s;
      input.addEventListener("change", function () {
        patch({ stage: s, page: 1, open: "" });
      });
      var text = s ? fmt(tt.stageN, { s: s }) + " · " + label("stages", s) : tt.anyStage;
      fs.appendChild(h("div", { class: "opt" }, [input, h("label", { for: id }, [h("span", null, text), s ? count(facets.stage[s]) : null])]));
    });
    aside.appendChild(fs);
    aside.appendChild(multi("theme", tt.theme, Object.keys(facets.theme), facets.theme, function (v) {
      return v + ". " + label("areas", v);
    }));
    aside.appendChild(multi("section", tt.section, Object.keys(facets.section), facets.section, function (v) {
      return v + ". " + label("sections", v);
    }));
    aside.appendChild(multi("kind", tt.kind, KINDS, facets.kind, function (v) {
      return tt.kinds[v];
    }));
    aside.appendChild(multi("text_lang", tt.text_lang, ["zh", "en"], facets.lang, function (v) {
      return tt.langs[v];
    }));
    return aside;
  }

  function count(n) {
    return h("span", { class: "n" + (n ? "" : " zero") }, String(n || 0));
  }

  function multi(key, legend, values, counts, name) {
    var fs = h("fieldset", { "data-facet": key }, h("legend", null, legend));
    values.forEach(function (v) {
      var id = "f-" + key + "-" + v;
      var input = h("input", { type: "checkbox", id: id, value: v });
      input.checked = state[key].indexOf(v) >= 0;
      input.addEventListener("change", function () {
        var list = state[key].filter(function (x) {
          return x !== v;
        });
        if (input.checked) list.push(v);
        var ch = { page: 1, open: "" };
        ch[key] = list;
        patch(ch);
      });
      fs.appendChild(h("div", { class: "opt" }, [input, h("label", { for: id }, [h("span", null, name(v)), count(counts[v])])]));
    });
    return fs;
  }

  function names(item) {
    var primary = state.lang === "en" && item.name_en ? item.name_en : item.name || item.name_en;
    var secondary = state.lang === "en" ? (item.name !== primary ? item.name : "") : item.name_en;
    return [primary, secondary];
  }

  function card(item) {
    var tt = t();
    var nm = names(item);
    var chips = h("div", { class: "chips" });
    item.stage.forEach(function (s) {
      chips.appendChild(h("span", { class: "chip stage" }, fmt(tt.stageN, { s: s })));
    });
    item.areas.forEach(function (a) {
      chips.appendChild(h("span", { class: "chip", title: label("areas", String(a)) }, fmt(tt.areaN, { n: a })));
    });
    var links = h("div", { class: "links" });
    item.urls.forEach(function (u) {
      links.appendChild(outLink(u, null));
    });
    var btn = h("button", { type: "button", class: "btn small", "aria-label": fmt(tt.sourceLabel, { name: nm[0] }), "aria-haspopup": "dialog", "data-id": item.id }, tt.source);
    btn.addEventListener("click", function () {
      openRecord(item.id, btn);
    });
    links.appendChild(btn);
    var section = item.section ? fmt(tt.sectionLetter, { s: item.section }) + " · " + (state.lang === "en" ? item.section_title_en || item.section_title : item.section_title) : "";
    return h("article", { class: "card", "data-id": item.id }, [
      h("div", { class: "kind" }, [h("span", { class: "badge " + item.kind }, tt.kinds[item.kind]), h("code", null, item.id)]),
      h("h3", null, nm[0]),
      nm[1] ? h("p", { class: "alt", lang: state.lang === "en" ? "zh" : "en" }, nm[1]) : null,
      curatedOf(item) ? h("p", { class: "sum" }, [h("b", { class: "cur" }, tt.curated), curatedOf(item)]) : null,
      section ? h("p", { class: "sec" }, section) : null,
      chips,
      links
    ]);
  }

  function pager(total) {
    var tt = t();
    var pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    var nav = h("nav", { class: "pager", "aria-label": fmt(tt.pageOf, { p: state.page, n: pages }) });
    var prev = h("button", { type: "button", class: "btn" }, tt.prev);
    prev.disabled = state.page <= 1;
    prev.addEventListener("click", function () {
      patch({ page: state.page - 1 });
    });
    var next = h("button", { type: "button", class: "btn" }, tt.next);
    next.disabled = state.page >= pages;
    next.addEventListener("click", function () {
      patch({ page: state.page + 1 });
    });
    add(nav, [prev, h("span", null, fmt(tt.pageOf, { p: Math.min(state.page, pages), n: pages })), next]);
    return nav;
  }

  /* -- a record's source text (a dialog); ?open=ID in the URL ------------------------------------------ */
  var dialog = null;
  var opener = null;

  function closeRecord(push) {
    if (!dialog) return;
    dialog.parentNode.removeChild(dialog);
    dialog = null;
    document.body.classList.remove("modal");
    if (opener && opener.isConnected) opener.focus();
    opener = null;
    if (push && state.open) {
      state = Object.assign({}, state, { open: "" });
      history.pushState(null, "", pageUrl(state));
    }
  }

  function openRecord(id, from) {
    var tt = t();
    if (dialog) closeRecord(false);
    opener = from || null;
    if (state.open !== id) {
      state = Object.assign({}, state, { open: id });
      history.pushState(null, "", pageUrl(state));
    }
    var body = h("div", { class: "dbody", tabindex: "0" }, h("p", null, tt.loading));
    var closeBtn = h("button", { type: "button", class: "btn", "aria-label": tt.close }, "✕");
    var title = h("h2", { id: "dtitle" }, id);
    dialog = h("div", { class: "backdrop" }, h("section", { class: "dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": "dtitle" }, [
      h("div", { class: "dhead" }, [title, closeBtn]),
      body
    ]));
    closeBtn.addEventListener("click", function () {
      closeRecord(true);
    });
    dialog.addEventListener("click", function (ev) {
      if (ev.target === dialog) closeRecord(true);
    });
    document.body.appendChild(dialog);
    document.body.classList.add("modal");
    closeBtn.focus();
    var enc = encodeURIComponent(id);
    Promise.all([getJson("/v1/tools/" + enc + "?lang=" + state.lang), getJson("/v1/tools/" + enc + "/source")]).then(
      function (r) {
        if (!dialog) return;
        var item = r[0];
        var src = r[1];
        var nm = names(item);
        title.textContent = nm[0];
        clear(body);
        add(body, [
          h("p", { class: "kind" }, [h("span", { class: "badge " + item.kind }, tt.kinds[item.kind]), " ", h("code", null, item.id)]),
          nm[1] ? h("p", { class: "alt" }, nm[1]) : null,
          curatedOf(item) ? h("p", null, [h("b", { class: "cur" }, tt.curated), curatedOf(item)]) : null
        ]);
        var dl = h("dl", { class: "src" });
        add(dl, [h("dt", null, tt.doc), h("dd", null, src.title + " (" + src.source + ")")]);
        if (src.section.length) add(dl, [h("dt", null, tt.sectionPath), h("dd", null, src.section.join(" › "))]);
        if (src.page != null) add(dl, [h("dt", null, tt.page), h("dd", null, String(src.page))]);
        add(dl, [h("dt", null, tt.span), h("dd", null, src.start + "–" + src.end)]);
        var original = h("blockquote", { class: "quote", lang: src.lang === "en" ? "en" : "zh" }, src.text);
        if (src.rendering && src.rendering.lang === state.lang) {
          // the reader's language first, labelled as whose words it is; the authoritative original one click away
          add(body, [
            dl,
            h("h3", null, tt.rendering),
            h("blockquote", { class: "quote rend", lang: src.rendering.lang }, src.rendering.text),
            h("p", { class: "prov" }, src.rendering.label),
            h("details", { class: "orig" }, [h("summary", null, tt.original), original])
          ]);
        } else {
          add(body, [dl, h("h3", null, tt.quote), original]);
        }
        var fields = Object.keys(item.fields || {});
        if (fields.length) {
          var fdl = h("dl", { class: "fields" });
          fields.forEach(function (f) {
            add(fdl, [h("dt", null, tt.fields[f] || f), h("dd", { lang: "zh" }, item.fields[f])]);
          });
          add(body, fdl);
        }
        if (item.places && item.places.length) {
          add(body, h("h3", null, tt.places));
          var ul = h("ul", { class: "places" });
          item.places.forEach(function (p) {
            ul.appendChild(h("li", null, [p.region, p.country, p.place].filter(Boolean).join(" · ")));
          });
          add(body, ul);
        }
        if (item.urls.length) {
          var links = h("p", { class: "links" });
          item.urls.forEach(function (u) {
            links.appendChild(outLink(u, null));
          });
          add(body, links);
        }
      },
      function (e) {
        if (!dialog) return;
        clear(body).appendChild(h("p", { class: "error", role: "alert" }, tt.failed + e.message));
      }
    );
  }

  /* -- coverage ------------------------------------------------------------------------------------------ */
  function renderCoverage(n) {
    var facet = function (extra) {
      return getJson("/v1/tools?page_size=1&lang=" + state.lang + extra).then(function (b) {
        return b.facets;
      });
    };
    return Promise.all([facet("")].concat(KINDS.map(function (k) {
      return facet("&kind=" + k);
    })).concat([allRecords()])).then(function (r) {
      if (n !== seq) return;
      var tt = t();
      var all = r[0];
      var byKind = {};
      KINDS.forEach(function (k, i) {
        byKind[k] = r[i + 1];
      });
      var records = r[4];
      clear(app);
      var grid = h("div", { class: "coverage" });

      // thematic areas x kind
      var areas = Object.keys(all.theme);
      var table = h("table", { class: "matrix" }, [
        h("caption", null, tt.covAreas),
        h("thead", null, h("tr", null, [h("th", { scope: "col" }, tt.covArea)].concat(KINDS.map(function (k) {
          return h("th", { scope: "col" }, tt.kinds[k]);
        })).concat([h("th", { scope: "col" }, tt.covTotal)])))
      ]);
      var tbody = h("tbody");
      areas.forEach(function (a) {
        var row = h("tr", { "data-area": a }, h("th", { scope: "row" }, a + ". " + label("areas", a)));
        KINDS.forEach(function (k) {
          var c = byKind[k].theme[a] || 0;
          row.appendChild(h("td", { class: c ? "" : k === "mcr_tool" ? "zero gap" : "zero", "data-kind": k }, String(c)));
        });
        row.appendChild(h("td", { class: all.theme[a] ? "total" : "total zero gap" }, String(all.theme[a] || 0)));
        tbody.appendChild(row);
      });
      table.appendChild(tbody);
      var noTool = areas.filter(function (a) {
        return !byKind.mcr_tool.theme[a];
      });
      var noRecord = areas.filter(function (a) {
        return !all.theme[a];
      });
      var areaBox = h("section", { class: "panel wide", "aria-labelledby": "cov-areas" }, [
        h("h2", { id: "cov-areas" }, tt.covAreas),
        h("p", { class: "note", id: "no-tool" }, [tt.covNoTool, h("strong", null, noTool.length ? noTool.map(function (a) {
          return a + " " + label("areas", a);
        }).join(state.lang === "zh" ? "；" : "; ") : tt.covNone)]),
        h("p", { class: "note", id: "no-record" }, [tt.covNoRecord, h("strong", null, noRecord.length ? noRecord.join(", ") : tt.covNone)]),
        h("div", { class: "scroll" }, table),
        h("p", { class: "hint" }, tt.covAreasNote)
      ]);
      grid.appendChild(areaBox);

      // services per section (bars)
      var max = Math.max.apply(null, Object.values(all.section).concat([1]));
      var bars = h("ul", { class: "bars" });
      Object.keys(all.section).forEach(function (s) {
        var c = all.section[s];
        var fill = h("i");
        fill.style.width = Math.round((100 * c) / max) + "%";
        bars.appendChild(h("li", { "data-section": s }, [
          link(pageUrl(Object.assign({}, state, { view: "browse", section: [s], kind: [], theme: [], text_lang: [], stage: "", q: "", page: 1 })), s + ". " + label("sections", s), { "data-nav": "" }),
          h("span", { class: "bar", "aria-hidden": "true" }, fill),
          h("span", { class: "n" }, String(c))
        ]));
      });
      grid.appendChild(h("section", { class: "panel", "aria-labelledby": "cov-sections" }, [h("h2", { id: "cov-sections" }, tt.covSections), bars]));

      // stages
      var st = h("ul", { class: "bars" });
      var smax = Math.max.apply(null, Object.values(all.stage).concat([1]));
      Object.keys(all.stage).forEach(function (s) {
        var fill = h("i");
        fill.style.width = Math.round((100 * all.stage[s]) / smax) + "%";
        st.appendChild(h("li", null, [
          h("span", null, fmt(tt.stageN, { s: s }) + " · " + label("stages", s)),
          h("span", { class: "bar", "aria-hidden": "true" }, fill),
          h("span", { class: "n" }, String(all.stage[s]))
        ]));
      });
      grid.appendChild(h("section", { class: "panel", "aria-labelledby": "cov-stages" }, [h("h2", { id: "cov-stages" }, tt.covStages), st]));

      // records without English
      var missing = records.filter(function (i) {
        return !i.name_en || !i.summary_en;
      });
      var eng = h("section", { class: "panel", "aria-labelledby": "cov-en", id: "no-english" }, h("h2", { id: "cov-en" }, tt.covEnglish));
      if (!missing.length) eng.appendChild(h("p", { class: "ok" }, fmt(tt.covEnglishAll, { n: records.length })));
      else {
        eng.appendChild(h("p", null, fmt(tt.covEnglishSome, { n: missing.length })));
        var ul = h("ul", { class: "plain" });
        missing.forEach(function (i) {
          var b = h("button", { type: "button", class: "linkish", "data-id": i.id }, [h("code", null, i.id), " ", i.name || i.name_en]);
          b.addEventListener("click", function () {
            openRecord(i.id, b);
          });
          ul.appendChild(h("li", null, b));
        });
        eng.appendChild(ul);
      }
      grid.appendChild(eng);
      app.appendChild(grid);
      if (state.open) openRecord(state.open, null);
    });
  }

  /* -- events ---------------------------------------------------------------------------------------------- */
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[data-view], a[data-nav], #lang-switch");
    if (!a || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.button !== 0) return;
    ev.preventDefault();
    history.pushState(null, "", a.getAttribute("href"));
    closeRecord(false);
    state = readState();
    render();
  });
  document.addEventListener("keydown", function (ev) {
    if (!dialog) return;
    if (ev.key === "Escape") {
      ev.preventDefault();
      closeRecord(true);
    } else if (ev.key === "Tab") {
      // keep the focus inside the open record
      var f = dialog.querySelectorAll("button, a[href], [tabindex='0']");
      var first = f[0];
      var last = f[f.length - 1];
      if (!dialog.contains(document.activeElement)) {
        ev.preventDefault();
        first.focus();
      } else if (ev.shiftKey && document.activeElement === first) {
        ev.preventDefault();
        last.focus();
      } else if (!ev.shiftKey && document.activeElement === last) {
        ev.preventDefault();
        first.focus();
      }
    }
  });
  window.addEventListener("popstate", function () {
    closeRecord(false);
    state = readState();
    render();
  });

  render();
})();
