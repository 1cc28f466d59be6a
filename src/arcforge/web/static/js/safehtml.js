// Inserting server-rendered HTML (trace markdown). The server already sanitises it; this is a
// second, independent allowlist pass: the HTML is parsed in an inert document (nothing loads or
// runs there) and only known-safe elements and attributes are copied into the page.

const TAGS = new Set([
  "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del",
  "code", "pre", "kbd", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody",
  "tr", "th", "td", "span", "div", "sup", "sub",
]);
const ATTRS = {
  a: ["href", "title"],
  img: ["src", "alt", "title"],
  ol: ["start"],
  th: ["colspan", "rowspan", "align"],
  td: ["colspan", "rowspan", "align"],
  code: ["class"],
};
const SAFE_URL = /^(https?:|mailto:|[^:]*$)/i; // absolute http(s)/mailto, or relative (no scheme)

function cleanUrl(value) {
  const v = value.replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
  return SAFE_URL.test(v) ? value.trim() : null;
}

function copyNode(node, doc) {
  if (node.nodeType === Node.TEXT_NODE) return doc.createTextNode(node.data);
  if (node.nodeType !== Node.ELEMENT_NODE) return null;
  const tag = node.tagName.toLowerCase();
  if (!TAGS.has(tag)) {
    // keep the text of unknown elements, drop scripts and styles entirely
    if (["script", "style", "iframe", "object", "embed", "template", "svg", "math"].includes(tag)) return null;
    const frag = doc.createDocumentFragment();
    for (const child of node.childNodes) {
      const c = copyNode(child, doc);
      if (c) frag.append(c);
    }
    return frag;
  }
  const el = doc.createElement(tag);
  for (const name of ATTRS[tag] || []) {
    const value = node.getAttribute(name);
    if (value === null) continue;
    if (name === "href" || name === "src") {
      const url = cleanUrl(value);
      if (url !== null) el.setAttribute(name, url);
    } else {
      el.setAttribute(name, value);
    }
  }
  if (tag === "a") {
    el.setAttribute("rel", "nofollow noopener noreferrer");
    el.setAttribute("target", "_blank");
  }
  if (tag === "img") el.setAttribute("loading", "lazy");
  for (const child of node.childNodes) {
    const c = copyNode(child, doc);
    if (c) el.append(c);
  }
  return el;
}

/** Put sanitised server HTML into `target` (replacing its content). */
export function setTrustedHtml(target, html) {
  const inert = new DOMParser().parseFromString(`<body>${html ?? ""}</body>`, "text/html");
  const frag = document.createDocumentFragment();
  for (const child of inert.body.childNodes) {
    const c = copyNode(child, document);
    if (c) frag.append(c);
  }
  target.replaceChildren(frag);
}
