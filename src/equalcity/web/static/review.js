// Keyboard shortcuts for the review page (the page works without them: plain forms and links).
// j / k: next / previous entry; a: approve; r: write a change request; Ctrl+Enter in the
// comment: send it; Esc: leave the comment; ?: show the list of shortcuts.
"use strict";

(function () {
  const entries = () => Array.from(document.querySelectorAll("article.entry"));
  let current = null;

  function select(entry, focus) {
    if (!entry) return;
    if (current) current.classList.remove("current");
    current = entry;
    entry.classList.add("current");
    if (focus) {
      entry.focus({ preventScroll: true });
      entry.scrollIntoView({ block: "start" });
    }
  }

  function move(step) {
    const all = entries();
    if (!all.length) return;
    const at = all.indexOf(current);
    const next = at < 0 ? 0 : Math.min(all.length - 1, Math.max(0, at + step));
    select(all[next], true);
  }

  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  }

  document.addEventListener("focusin", (event) => {
    const entry = event.target instanceof Element ? event.target.closest("article.entry") : null;
    if (entry && entry !== current) select(entry, false);
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    const submitter = event.submitter;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("decide")) return;
    const comment = form.querySelector("textarea[name=comment]");
    if (submitter && submitter.value === "request-changes" && comment && !comment.value.trim()) {
      event.preventDefault();
      // The sentence comes from the page, in its reader's language.
      comment.setCustomValidity(comment.dataset.empty || "?");
      comment.reportValidity();
      comment.focus();
    }
  });

  document.addEventListener("input", (event) => {
    if (event.target instanceof HTMLTextAreaElement) event.target.setCustomValidity("");
  });

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target instanceof HTMLTextAreaElement && target.name === "comment") {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        const button = target.form && target.form.querySelector("button[value=request-changes]");
        if (button) target.form.requestSubmit(button);
      } else if (event.key === "Escape") {
        event.preventDefault();
        const entry = target.closest("article.entry");
        if (entry) select(entry, true);
      }
      return;
    }
    if (typing(target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "j") {
      move(1);
    } else if (event.key === "k") {
      move(-1);
    } else if (event.key === "a") {
      const button = current && current.querySelector("button.approve");
      if (button && !button.disabled) button.click();
    } else if (event.key === "r") {
      const comment = current && current.querySelector("textarea[name=comment]");
      if (comment) comment.focus();
    } else if (event.key === "?") {
      const help = document.getElementById("shortcuts");
      if (help) {
        help.focus();
        help.scrollIntoView({ block: "nearest" });
      }
    } else {
      return;
    }
    event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", () => {
    const error = document.getElementById("error");
    const list = document.querySelector("ol.entries");
    const id = location.hash.startsWith("#entry-")
      ? location.hash.slice("#entry-".length)
      : (list && list.dataset.focus) || "";
    const wanted = id ? document.getElementById("entry-" + id) : null;
    // Focus (and scroll to) the entry a decision led to; a fresh page stays at its top.
    select(wanted || entries()[0], Boolean(wanted) && !error);
    if (error && current) {
      const comment = current.querySelector("textarea[name=comment]");
      if (comment && comment.value) comment.focus();
    }
  });
})();
