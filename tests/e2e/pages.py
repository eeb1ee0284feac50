"""Portal pages of another origin that embed the widget (written to the static ``Portal`` server by the tests)."""

from __future__ import annotations

from html import escape

PORTAL_CSS = """
body{margin:0;font-family:system-ui,'Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;
     background:#f3f5f7;color:#1d2733}
header{background:#134e6f;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;opacity:.85;font-size:14px}
main{max-width:980px;margin:0 auto;padding:22px 28px 90px}
.box{background:#fff;border:1px solid #dde3ea;border-radius:10px;padding:16px 20px;margin-bottom:18px}
.box h2{margin:0 0 6px;font-size:18px}
.box p{margin:0;color:#5b6776}
"""


def portal_page(*, scripts: str, main: str = "", title: str = "东湖市政府门户 · Donghu City portal") -> str:
    """A small city portal page (its own origin) with ``scripts`` (the widget tags) and ``main`` content."""
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{escape(title)}</title>
<style>{PORTAL_CSS}</style>
</head>
<body>
<header><h1>{escape(title)}</h1><p>城市韧性 · 应急管理 · 公共服务（演示页面，另一个源 / another origin）</p></header>
<main>
<div class="box"><h2>东湖市加入 MCR2030</h2>
<p>东湖市处于韧性路线图的 B 阶段。右下角的助手可以回答问题、评估阶段并推荐工具。</p></div>
{main}
</main>
{scripts}
</body>
</html>
"""


def widget_tag(src: str, api_base: str, **data: str) -> str:
    """``<script src=... data-api-base=... data-*=... defer>`` (values HTML-escaped)."""
    attrs = "".join(f' data-{k.replace("_", "-")}="{escape(v)}"' for k, v in data.items())
    return f'<script src="{escape(src)}" data-api-base="{escape(api_base)}"{attrs} defer></script>'
