// Honest autosave for questionnaire pages (issue 10 #13, #14).
//
// Every change is posted by htmx, queued in order (hx-sync="queue all"). This
// script makes sure the page never says "saved" for an answer that was not, and
// that leaving the page never cancels a save that is still on its way:
//  * before each request the status says "Saving…", so an earlier "saved" never
//    stands for a newer change; a failed request says "Not saved" and why;
//  * a link marked data-after-save (Next part, back to the overview) waits for
//    the queued saves to finish, then goes; the browser warns on other exits.
(function () {
  "use strict";
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var status = form.querySelector("#save-status");
    var inFlight = new Set();  // the requests sent and not yet answered
    var leaveTo = null;

    function say(html) {
      if (status) { status.innerHTML = html; }
    }
    function answered(xhr) {
      inFlight.delete(xhr);
    }
    function leaveIfDone() {
      if (inFlight.size === 0 && leaveTo) {
        var target = leaveTo;
        leaveTo = null;  // once
        window.location.assign(target);
      }
    }
    // Only the submit itself is "Save and go back". htmx adds the last button
    // clicked to every request from the form, so change-saves still queued when
    // the button is pressed would each carry it, and each answer would redirect:
    // the browser would start one navigation and abort it for the next.
    form.addEventListener("htmx:configRequest", function (event) {
      var trigger = event.detail.triggeringEvent;
      if (!trigger || trigger.type !== "submit") { delete event.detail.parameters.save; }
    });
    form.addEventListener("htmx:beforeRequest", function (event) {
      inFlight.add(event.detail.xhr);
      say('<p class="saving">Saving…</p>');
    });
    // The answer has arrived: no longer in flight, so a redirect it carries (the
    // "Save and go back" button) is not held up by the leave-page warning.
    form.addEventListener("htmx:beforeOnLoad", function (event) {
      answered(event.detail.xhr);
    });
    form.addEventListener("htmx:afterRequest", function (event) {
      if (!event.detail.successful) {
        say('<p class="error" role="alert">Not saved: the clinic could not be reached. ' +
            "Your last change is still on this page; try again.</p>");
        leaveTo = null;  // stay: the change would be lost
      }
      answered(event.detail.xhr);
      leaveIfDone();  // after htmx has finished with the answer
    });
    document.querySelectorAll("a[data-after-save]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (inFlight.size > 0) {
          event.preventDefault();
          leaveTo = link.href;
          say('<p class="saving">Saving your last answer before leaving…</p>');
        }
      });
    });
    window.addEventListener("beforeunload", function (event) {
      if (inFlight.size > 0 && !leaveTo) { event.preventDefault(); event.returnValue = ""; }
    });
  });
})();
