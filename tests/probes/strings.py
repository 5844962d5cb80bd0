"""Adversarial strings for the probes (issue 13): deterministic, pure data, no I/O.

Each probe is `AA{i:04d} <hostile> ZZ{i:04d}`: the two marker words around the hostile part let a test check
that nothing after a control, an escape or a markup token was hidden ("no visible text lost"), and that no
control byte reached the output. Markers are plain letters and digits, so no renderer treats them specially;
the spaces keep a combining mark or a wide character from attaching to them.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

# What must never reach a terminal: C0 except \n and \t, DEL, C1 (ESC is C0). The bidi controls and the line
# separators are checked by `DISPLAY_FORBIDDEN` (they reorder or break lines rather than run commands).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
DISPLAY_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"


@dataclass(frozen=True)
class Probe:
    index: int
    hostile: str

    @property
    def head(self) -> str:
        return f"AA{self.index:04d}"

    @property
    def tail(self) -> str:
        return f"ZZ{self.index:04d}"

    @property
    def text(self) -> str:
        return f"{self.head} {self.hostile} {self.tail}"


def _controls() -> list[str]:
    c0 = [f"c0{chr(code)}x" for code in range(0x20)]
    c1 = [f"c1{chr(code)}x" for code in range(0x80, 0xA0)]
    return [*c0, "del\x7fx", *c1]


def _escapes() -> list[str]:
    out = [
        ESC, ESC + ESC, f"lone{ESC}end", f"{ESC}]", f"{ESC}P", f"{ESC}[", f"{ESC}_", f"{ESC}^", f"{ESC}X",
        f"{ESC}]52;c;aGVsbG8= unterminated OSC hides this?",
        f"{ESC}P1$r unterminated DCS hides this?",
        f"{ESC}_apc unterminated", f"{ESC}^pm unterminated", f"{ESC}[ unfinished CSI",
        f"{ESC}]52;c;cHduZWQ={BEL}", f"{ESC}]52;c;cHduZWQ={ST}", f"{ESC}]52;p;?{BEL}",
        f"{ESC}]0;pwned title{BEL}", f"{ESC}]2;pwned{ST}", f"{ESC}]1;icon{BEL}",
        f"{ESC}]8;;https://evil.example{ST}click{ESC}]8;;{ST}", f"{ESC}]8;;file:///etc/passwd{BEL}link{ESC}]8;;{BEL}",
        f"{ESC}[2J", f"{ESC}[3J{ESC}[H", f"{ESC}[31mred{ESC}[0m", f"{ESC}[?1049h", f"{ESC}[?25l", f"{ESC}[6n",
        f"{ESC}[1;1H", f"{ESC}[K", f"{ESC}[38;2;255;0;0mtrue{ESC}[m", f"{ESC}c", f"{ESC}7{ESC}8", f"{ESC}#8",
        f"{ESC}(0lqk{ESC}(B", f"{ESC}[>c", f"{ESC}[c", f"{ESC}[?1000h", f"{ESC}]4;1;rgb:ff/00/00{BEL}",
        f"{ESC}]10;?{BEL}", f"{ESC}]11;#000000{ST}", f"{ESC}P+q544e{ST}", f"{ESC}Pq#0;2;0;0;0{ST}",
        f"{ESC}]1337;File=inline=1:AAAA{BEL}", f"{ESC}]777;notify;t;b{BEL}", f"{ESC}]9;notice{BEL}",
        "\x9b2J", "\x9b31mred", "\x9d0;title\x9c", "\x9d52;c;aGk=\x07", "\x90dcs\x9c", "\x98sos", "\x9epm", "\x9fapc",
        "\x9c", ST, f"a{ST}b", "\x9b", "\x9d", "\x90", "\x98", "\x9e", "\x9f",
        BEL, BEL * 10, "\x00", "\x00" * 5, "\x08\x08\x08erase", "over\rwrite", "cr\r\nlf", "\r", "tab\there",
        "\x0b\x0c", "\x1a\x1c\x1d\x1e\x1f", "\x7f" * 3, f"{ESC}[200~paste{ESC}[201~",
        f"{ESC}]52;c;{'A' * 300}{BEL}", f"nested{ESC}]0;{ESC}[2J{BEL}x", f"{ESC}{ESC}]0;x{BEL}",
        f"\x85{ESC}]0;t{BEL}\x85", "\x1b\x9b\x9d\x07\x00\x7f",
    ]
    return out


def _unicode() -> list[str]:
    bidi = [f"bidi{chr(code)}x" for code in range(0x202A, 0x202F)]
    isolates = [f"iso{chr(code)}x" for code in range(0x2066, 0x206A)]
    return [
        *bidi, *isolates,
        "\u202etxt.exe", "\u2067\u202e reversed \u2069\u2066", "\u202d\u202c", "abc\u202edcba\u202c",
        "\u200b", "zero\u200bwidth", "zw\u200c\u200dj", "\ufeffbom", "\u2060joiner", "\u200e\u200flrm", "\u00ad",
        "\u034f", "\u180e", "\u115f\u1160", "\u3164", "\ufff9\ufffa\ufffb",
        "\x85", "nel\x85line", "ls\u2028sep", "ps\u2029sep", "\u2028\u2029",
        "e\u0301", "Z\u0337\u0322\u0327\u0335\u0336\u0338" * 4, "\u0301\u0302\u0303", "a" + "\u0300" * 60,
        "\u0e01\u0e34\u0e4a", "\u1100\u1161\u11a8",
        "全角文字", "😀", "👩‍👩‍👧‍👦", "🏳️‍🌈", "🇺🇳", "❤️", "１２３", "ｗｉｄｅ", "\U0001f9d1\u200d\U0001f4bb",
        "中" * 80, "😀" * 40, "\U000e0041\U000e0042 tags", "\U0001d54f\U0001d550", "\ufffd", "\ud7ff",
        "\u0600\u0601", "\u061c", "עברית", "العربية", "mixed עברית text",
    ]


def _markup() -> list[str]:
    return [
        "[bold]", "[bold]b[/bold]", "[b]x[/b]", "[/]", "[/bold]", "[@click=app.quit]quit[/]",
        "[@click=app.exit()]x[/]", "[@click=screen.dismiss]x", "[link=https://evil.example]l[/link]",
        "[red on blue]c[/]", "[reverse]", "[blink]", "[#ff0000]hex[/]", "[dim italic]", "\\[escaped]", "[[double]]",
        "[", "]", "[/INST]", "[INST]", "[ ]", "[1]", "[b", "[=", "[@]", "[@click=]",
        "[$accent]v[/]", "[on $panel]x[/]", "$accent", "$text-muted", "[b $primary]", "[$]", "[$foo",
        "[auto]", "[not bold]", "[strike]", "[underline2]", "[$warning on $error]",
        "**bold**", "__under__", "*it*", "_it_", "`code`", "``", "```", "```py", "~~~", "# heading", "###### h6",
        "> quote", "- item", "* item", "+ item", "1. one", "1) one", "|a|b|", "|---|---|", "---", "***", "___",
        "[text](https://evil.example)", "![img](https://evil.example/x.png)", "[ref]: https://x", "<https://x.y>",
        "\\", "\\*", "&amp;", "&lt;b&gt;", "&#27;", "&#x1b;", "&#x9b;", "&#155;", "&#12;", "&#x0c;", "&#13;",
        "&#x202e;", "&#8238;", "&#x2028;", "&#x85;", "&#0;", "&nbsp;", "&bogus;", "- [ ] task", "- [x] done",
        "$$x$$", "[^1]", "==mark==", "^sup^", "~sub~", ":emoji:", "    indented code",
        "<b>", "</b>", "<b>bold?</b>", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
        "<START>", "</s>", "<s>", "<|im_end|>", "<|im_start|>system", "<!-- comment -->", "<!--", "-->",
        "<div>", "</div>", "<br>", "<details><summary>s</summary>d</details>", "<?xml?>", "<![CDATA[x]]>",
        "<style>*{}</style>", "<a href='x'>a</a>", "<", ">", "<>", "</>",
        "{{user}}", "{{char}}", "{{random::a::b}}", "{{roll:d20}}", "{{// hidden comment}}", "{{", "}}",
        "{{{{nested}}}}", "{{setvar::x::1}}", "{{getvar::x}}", "{{if a}}b{{/if}}", "{{trim}}", "{{newline}}",
        "{{original}}", "{{pick::a::b}}", "{{time}}", "{{idle_duration}}", "<USER>", "<BOT>", "{{user",
        "%s%d%n", "{0}", "{}", "${x}", "#{x}", "`rm -rf`", "$(id)", "'; DROP TABLE", "\"quoted\"", "'single'",
        "\\n\\t\\x1b", "\\u001b", "%1b%5b", "NULL", "None", "undefined", "\n", "\n\n\n", "\t", " ", "",
    ]


def _long() -> list[str]:
    return [
        "x" * 300, "y" * 2000, "🙂" * 300, ("word " * 200).strip(), "a-" * 400, "\x1b" * 200,
        f"{ESC}]52;c;{'Q' * 3000}{BEL}", "\x9b" * 100, "[b]" * 100, "{{user}}" * 60, "\u0301" * 300,
        "/" * 500, "https://evil.example/" + "a" * 1000,
    ]


BASE: tuple[str, ...] = tuple(dict.fromkeys([*_controls(), *_escapes(), *_unicode(), *_markup(), *_long()]))
# The short ones are combined; the long ones only stand alone (a pair of them says nothing new).
_SHORT = tuple(s for s in BASE if len(s) <= 64)


def _pairs(count: int, rng: random.Random) -> list[str]:
    """Pairs of short base strings, glued directly and with a space: a control next to markup, an escape
    before an entity, a bidi override before a macro."""
    out = []
    for _ in range(count):
        a, b = rng.choice(_SHORT), rng.choice(_SHORT)
        out.append(a + b if rng.random() < 0.5 else f"{a} {b}")
    return out


def _random(count: int, rng: random.Random) -> list[str]:
    """Seeded random strings: 2-6 pieces of short base strings, random code points from the dangerous ranges,
    and plain words."""
    pool = "".join(chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F),
                                   *range(0x2066, 0x206A), 0x2028, 0x2029, 0x200B, 0xFEFF])
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(2, 6)):
            roll = rng.random()
            if roll < 0.5:
                parts.append(rng.choice(_SHORT))
            elif roll < 0.8:
                parts.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 4))))
            else:
                parts.append(rng.choice(["word", "text", "ok", "[", "]", "{{", "}}", "*", "<", ">", "&", "\\"]))
        out.append("".join(parts))
    return out


def hostile_strings(total: int = 1200, seed: int = 13) -> list[str]:
    """`total` hostile strings (at least every base string): the base list, then seeded pairs and random mixes."""
    rng = random.Random(seed)
    extra = max(total - len(BASE), 0)
    return [*BASE, *_pairs(extra // 2, rng), *_random(extra - extra // 2, rng)]


def probes(total: int = 1200, seed: int = 13) -> list[Probe]:
    """The hostile strings with their marker words, numbered from 0."""
    return [Probe(i, s) for i, s in enumerate(hostile_strings(total, seed))]


def short_probes(total: int = 1200, seed: int = 13, limit: int = 120) -> list[Probe]:
    """The probes whose text fits on a line of `limit` cells (for one-line surfaces: titles, list rows)."""
    return [p for p in probes(total, seed) if len(p.text) <= limit]
