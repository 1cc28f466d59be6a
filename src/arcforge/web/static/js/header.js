// The bar at the top of every page: navigation and the account menu.

import { me, post } from "./api.js";
import { h, fill, toast } from "./dom.js";

export async function mountHeader(active) {
  const bar = document.getElementById("topbar");
  const { user, private: isPrivate } = await me();
  if (isPrivate && !user && document.body.dataset.page !== "login") {
    location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
    return new Promise(() => {});
  }
  const link = (href, text, key) =>
    h("a", { href, class: key === active ? "active" : null, "aria-current": key === active ? "page" : null }, text);
  const next = encodeURIComponent(location.pathname + location.search);
  const account = user
    ? h("div.account",
      h("span.user", { title: `signed in as ${user.name}` }, user.name,
        user.role === "admin" ? h("span.badge.admin", "admin") : null),
      h("button.link#logout", {
        type: "button",
        onclick: async () => {
          try {
            await post("/api/auth/logout");
          } catch (err) {
            toast(`Log out failed: ${err.message}`, "error");
            return;
          }
          await me(true);
          location.reload();
        },
      }, "Log out"))
    : h("div.account", h("a#login-link", { href: `/login?next=${next}` }, "Log in"),
      isPrivate ? null : h("a.button.small", { href: `/login?signup=1&next=${next}` }, "Sign up"));
  fill(bar,
    h("a.brand", { href: "/" }, h("span.logo", { "aria-hidden": "true" }), "arcforge", h("span.dim", " studio")),
    h("nav", link("/", "Tasks", "tasks"), link("/check", "Check", "check"), link("/runs", "Runs", "runs")),
    h("span.spacer"),
    h("button.link.help-button", { type: "button", title: "Keyboard shortcuts (?)", onclick: () => showHelp() }, "?"),
    account);
  document.addEventListener("keydown", (e) => {
    if (e.key === "?" && !e.target.closest?.("input, textarea, select")) showHelp();
  });
  if (user && sessionStorage.getItem("arcforge.welcome") === "1") welcome(bar, user);
  return user;
}

/** Once, after sign-up: who we are glad to see, and where to begin. */
function welcome(bar, user) {
  sessionStorage.removeItem("arcforge.welcome");
  const box = h("div.welcome#welcome", { role: "status" },
    h("strong", `Welcome, ${user.name}!`),
    h("span", "New to ARC? The tutorial shows the editor in two minutes; or start with an easy task."),
    h("a.button.small", { href: "/tutorial" }, "Take the tutorial"),
    h("a.button.small", { href: "/?start=1" }, "Start solving"),
    h("button.link", { type: "button", onclick: () => box.remove() }, "Close"));
  bar.after(box);
}

let helpDialog = null;
const SHORTCUTS = [
  ["0 – 9", "choose a colour (in Select, fill the selection)"],
  ["E / S / F / K", "edit, select, flood fill, colour picker"],
  ["Alt + click", "pick the colour of any cell"],
  ["← ↑ → ↓ / Space", "move the cell cursor on the output / paint, fill or pick there"],
  ["Shift + arrows", "select with the cursor (Select tool)"],
  ["right click", "paint or fill with 0"],
  ["Ctrl+Z / Ctrl+Y", "undo / redo (also Ctrl+Shift+Z)"],
  ["Ctrl+C / Ctrl+V", "copy the selection (from any grid) / paste into the output"],
  ["Delete", "clear the selected output cells to 0"],
  ["Esc", "clear the selection"],
  ["N", "show or hide symbol numbers"],
  ["P", "show or hide the colour-blind marks (a mark per colour)"],
  ["[ / ]", "previous / next test input"],
  ["Alt+← / Alt+→", "previous / next task"],
  ["Ctrl+Enter", "submit the output (in the trace box: add the trace)"],
  ["/", "search tasks (task list)"],
  ["R", "random task (task list)"],
];

export function showHelp() {
  if (!helpDialog) {
    helpDialog = h("dialog.help",
      h("h2", "Keyboard shortcuts"),
      h("table", SHORTCUTS.map(([k, v]) => h("tr", h("th", h("kbd", k)), h("td", v)))),
      h("form", { method: "dialog" }, h("button", { type: "submit" }, "Close")));
    document.body.append(helpDialog);
  }
  if (!helpDialog.open) helpDialog.showModal();
}
