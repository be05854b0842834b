"""``make docs-check``: the built site, read as a browser reads it, offline.

``python docs/_ext/docs_check.py docs/_build/html`` fails (exit status 1, one line per problem) when

* a page links or embeds a file of the site that does not exist, or a ``#fragment`` that the target page lacks
  (every ``href`` / ``src`` of every page; links to other sites are not followed);
* a page loads a script or style sheet from the network (the site must work offline);
* a tutorial page, rendered by headless Chromium in a 1400-pixel-wide window (a laptop screen), has a code cell or
  an output that scrolls sideways;
* a page with maths, rendered by headless Chromium (``--dump-dom`` after JavaScript ran, with
  ``--virtual-time-budget``), still shows raw TeX (``\\(``, ``\\[`` or ``$$``) or has fewer typeset formulas
  (``mjx-container``) than maths elements.

Chromium is found as ``chromium``, ``chromium-browser`` or ``google-chrome`` (``$CHROMIUM`` overrides). Without
it the check fails, unless ``TINYGRADCONV_DOCS_CHECK_BROWSER=skip`` is set (``.ci/run`` sets it only where apt is
not available to install Chromium), in which case the browser part is skipped with a visible message.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

_EXTERNAL = ("http:", "https:", "mailto:", "data:", "javascript:", "//")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.refs, self.remote, self.maths = set(), [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key) and (key == "id" or tag == "a"):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            value = attrs.get(key)
            if value is None:
                continue
            loaded = tag in ("script", "img") or (tag == "link" and "stylesheet" in (attrs.get("rel") or ""))
            if loaded and value.startswith(("http:", "https:", "//")):
                self.remote.append(value)
            self.refs.append((tag, value))
        if "math" in (attrs.get("class") or "").split():
            self.maths += 1


def _parse(path):
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def static_problems(site: Path) -> tuple[list[str], dict]:
    """Broken internal links and images, missing fragments, remote scripts; returns (problems, pages)."""
    pages = {path: _parse(path) for path in sorted(site.rglob("*.html"))}
    problems = []
    for path, page in pages.items():
        name = path.relative_to(site)
        for url in page.remote:
            problems.append(f"{name}: loads {url} from the network")
        for tag, ref in page.refs:
            if not ref or ref.startswith(_EXTERNAL):
                continue
            parts = urlsplit(ref)
            target = path if not parts.path else (path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{name}: <{tag}> points to a missing file: {ref}")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{name}: <{tag}> points to a missing anchor: {ref}")
    return problems, pages


def find_chromium():
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def rendered_dom(chromium, page: Path, width: int = 1400) -> str:
    """The page's DOM after its JavaScript ran (headless Chromium, no network needed for a local file)."""
    proc = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                           f"--window-size={width},1000", "--virtual-time-budget=10000", "--dump-dom",
                           page.resolve().as_uri()], capture_output=True, text=True, timeout=120, check=False)
    return proc.stdout


_MEASURE = """<script>window.addEventListener("load", function () {
  var wide = [];
  document.querySelectorAll("div.highlight pre, div.cell_output pre").forEach(function (pre) {
    if (pre.scrollWidth > pre.clientWidth + 1) { wide.push(pre.textContent.split("\\n")[0].slice(0, 60)); }
  });
  var note = document.createElement("div");
  note.id = "tgc-docs-check-result";
  note.setAttribute("data-found", JSON.stringify(wide));
  document.body.appendChild(note);
});</script>"""

# The module names in the navigation that wrap elsewhere than after a dot: each character's line is read from its
# box (a Range over it), and a new line must start right after a ".".
_NAVIGATION_BREAKS = """<script>window.addEventListener("load", function () {
  var bad = [];
  document.querySelectorAll(".sidebar-tree code").forEach(function (code) {
    var text = "", tops = [];
    code.querySelectorAll("span.pre").forEach(function (span) {
      span.childNodes.forEach(function (node) {
        if (node.nodeType !== 3) { return; }
        for (var i = 0; i < node.length; i++) {
          var range = document.createRange();
          range.setStart(node, i); range.setEnd(node, i + 1);
          tops.push(range.getBoundingClientRect().top); text += node.data[i];
        }
      });
    });
    for (var i = 1; i < tops.length; i++) {
      if (tops[i] > tops[i - 1] + 1 && text[i - 1] !== ".") { bad.push(text.slice(0, i) + " / " + text.slice(i)); }
    }
  });
  var note = document.createElement("div");
  note.id = "tgc-docs-check-result";
  note.setAttribute("data-found", JSON.stringify(bad));
  document.body.appendChild(note);
});</script>"""


def probe(chromium, page: Path, script: str, width: int = 1400) -> list | None:
    """What ``script`` found in ``page`` rendered at ``width`` pixels (measured in a copy of the page, to which the
    script adds its findings as JSON), or ``None`` when Chromium gave no answer."""
    copy = page.with_name(f".docs-check-{page.name}")
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", script + "</body>"), encoding="utf-8")
    try:
        dom = rendered_dom(chromium, copy, width)
    finally:
        copy.unlink()
    match = re.search(r'id="tgc-docs-check-result" data-found="([^"]*)"', dom)
    return json.loads(html.unescape(match.group(1))) if match else None


def overflow_problems(chromium, page: Path, name) -> list[str]:
    """Code blocks of ``page`` that scroll sideways in a 1400-pixel window."""
    wide = probe(chromium, page, _MEASURE)
    if wide is None:
        return [f"{name}: could not measure the code blocks in Chromium"]
    return [f"{name}: a code block scrolls sideways at 1400 px: {line!r}" for line in wide]


def navigation_problems(chromium, page: Path, name, widths=(1100, 1400)) -> list[str]:
    """Module names in the left column of ``page`` that wrap mid-name (they may wrap after a dot only; see
    ``tgc_docs.break_after_dots``), in windows of ``widths`` pixels."""
    problems = []
    for width in widths:
        breaks = probe(chromium, page, _NAVIGATION_BREAKS, width)
        if breaks is None:
            problems.append(f"{name}: could not measure the navigation in Chromium at {width} px")
        problems += [f"{name}: a name in the navigation wraps mid-name at {width} px: {b!r}" for b in breaks or ()]
    return problems


def maths_problems(name, page, dom) -> list[str]:
    if not dom.strip():
        return [f"{name}: Chromium returned no DOM"]
    visible = re.sub(r"<(script|style)\b.*?</\1>", "", dom, flags=re.DOTALL | re.IGNORECASE)
    problems = []
    for raw in (r"\(", r"\[", "$$"):
        if raw in visible:
            i = visible.index(raw)
            problems.append(f"{name}: untypeset maths {raw!r} left in the page: ...{visible[max(i - 60, 0):i + 60]!r}")
    typeset = dom.count("<mjx-container")
    if typeset < page.maths:
        problems.append(f"{name}: {page.maths} maths elements, but only {typeset} typeset by MathJax")
    return problems


class Progress:
    """Brief progress lines on stdout, flushed at once (a busy CI machine takes minutes to render the pages, and a
    silent step looks hung): one line when a stage starts, then one each time another fifth of its items is done
    (at most 5 more lines per stage, however many pages), each with the time since the check started."""

    def __init__(self, out=None, clock=None):
        import time

        self.out, self.clock = out or sys.stdout, clock or time.monotonic
        self.start = self.clock()

    def say(self, text):
        print(f"docs-check: [{self.clock() - self.start:.0f} s] {text}", file=self.out, flush=True)

    def each(self, stage, items, work):
        """``[work(item) for item in items]``, run on two threads (Chromium is the slow part), saying how far it
        has got."""
        items = list(items)
        self.say(f"{stage}: {len(items)} page{'s' if len(items) != 1 else ''}...")
        step, done, results = max(1, -(-len(items) // 5)), 0, []
        with ThreadPoolExecutor(max_workers=2) as pool:
            for result in pool.map(work, items):
                results.append(result)
                done += 1
                if done % step == 0 or done == len(items):
                    self.say(f"{stage}: {done}/{len(items)} done")
        return results


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    site = Path(argv[0] if argv else "docs/_build/html")
    if not (site / "index.html").is_file():
        print(f"docs-check: no built site in {site} (run make docs)", file=sys.stderr)
        return 1
    progress = Progress()
    progress.say(f"reading the pages of {site}")
    problems, pages = static_problems(site)
    progress.say(f"{len(pages)} pages, links, images and scripts checked")
    chromium = find_chromium()
    with_maths = [path for path, page in pages.items() if page.maths]
    if chromium is None:
        if os.environ.get("TINYGRADCONV_DOCS_CHECK_BROWSER") == "skip":
            print("docs-check: SKIPPED the browser check (no Chromium here, and TINYGRADCONV_DOCS_CHECK_BROWSER=skip)")
        else:
            problems.append("no Chromium found to render the pages: apt-get install chromium (or set $CHROMIUM)")
    else:
        doms = progress.each("maths typeset in headless Chromium", with_maths,
                             lambda p: rendered_dom(chromium, p))
        for path, dom in zip(with_maths, doms):
            problems += maths_problems(path.relative_to(site), pages[path], dom)
        tutorials = sorted((site / "tutorials").glob("[0-9][0-9]_*.html"))
        for found in progress.each("code width of the tutorials", tutorials,
                                   lambda p: overflow_problems(chromium, p, p.relative_to(site))):
            problems += found
        api_page = site / "gen_modules" / "tinygradconv.html"       # its navigation lists every module
        progress.say("module names in the navigation of the API page...")
        problems += navigation_problems(chromium, api_page, api_page.relative_to(site))
        progress.say(f"{len(with_maths)} pages with maths rendered in headless Chromium; code width measured "
                     f"on {len(tutorials)} tutorial pages; module names in the navigation measured on one")
    for problem in problems:
        print(f"docs-check: {problem}", file=sys.stderr)
    if problems:
        print(f"docs-check: FAILED ({len(problems)} problems)", file=sys.stderr)
        return 1
    print("docs-check: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
