// Log in and sign up.

import { me, post } from "./api.js";
import { $, fill, h } from "./dom.js";
import { mountHeader } from "./header.js";

const params = new URLSearchParams(location.search);
const next = safeNext(params.get("next"));

/**
 * Only paths of this site are followed after login, never another origin. The value is resolved
 * the way the browser will resolve it (tabs and newlines dropped, backslashes read as slashes), so
 * `/\t/evil.com` or `/\\evil.com` cannot turn into `//evil.com`.
 */
function safeNext(value) {
  if (!value || !value.startsWith("/")) return "/";
  let url;
  try {
    url = new URL(value, location.origin);
  } catch {
    return "/";
  }
  if (url.origin !== location.origin || !url.pathname.startsWith("/")) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}

async function main() {
  const user = await mountHeader("login");
  const { private: closed } = await me();
  let signup = params.get("signup") === "1" && !closed;
  const app = $("#app");
  const render = () => {
    const name = h("input#username", { name: "username", autocomplete: "username", required: true, minLength: 2, maxLength: 32,
      pattern: "[A-Za-z0-9_.\\-]+", title: "2-32 letters, digits, _ - ." });
    const pass = h("input#password", { name: "password", type: "password", required: true, minLength: signup ? 8 : 1,
      autocomplete: signup ? "new-password" : "current-password" });
    const error = h("p.error#login-error", { hidden: true, role: "alert" });
    const button = h("button.primary#login-submit", { type: "submit" }, signup ? "Create account" : "Log in");
    const form = h("form.card.login-form", {
      onsubmit: async (e) => {
        e.preventDefault();
        button.disabled = true;
        error.hidden = true;
        try {
          await post(signup ? "/api/auth/signup" : "/api/auth/login", { username: name.value.trim(), password: pass.value });
          if (signup) sessionStorage.setItem("arcforge.welcome", "1"); // the next page says hello
          await me(true);
          location.href = next;
        } catch (err) {
          error.textContent = err.status === 429 ? `Too many attempts; try again later. ${err.message}` : err.message;
          error.hidden = false;
          button.disabled = false;
        }
      },
    },
    h("h1", signup ? "Create an account" : "Log in"),
    user ? h("p.dim", `You are signed in as ${user.name}.`) : null,
    h("label", "Username", name),
    h("label", "Password", pass, signup ? h("span.dim.small", "at least 8 characters") : null),
    error,
    button,
    closed ? h("p.switch", "This studio is private: an administrator creates the accounts.")
      : h("p.switch", signup ? "Already have an account? " : "New here? ",
        h("button.link#switch-mode", { type: "button", onclick: () => { signup = !signup; render(); } },
          signup ? "Log in" : "Create an account")));
    fill(app, form);
    name.focus();
  };
  render();
}

main();
