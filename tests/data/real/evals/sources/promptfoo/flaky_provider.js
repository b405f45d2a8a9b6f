// A stand-in for a team's own application endpoint, used as a promptfoo custom
// provider (file://). It echoes the prompt back, like promptfoo's `echo` provider,
// but fails for some inputs so that the results file holds ERRORS (provider
// failures) distinct from assertion FAILS:
//   - a prompt containing "[raise]" makes callApi throw;
//   - a prompt containing "[upstream-error]" returns {error: ...}.
class FlakyEchoProvider {
  constructor(options) {
    this.providerId = (options && options.id) || 'flaky-echo';
  }

  id() {
    return this.providerId;
  }

  async callApi(prompt) {
    if (prompt.includes('[raise]')) {
      throw new Error('tool backend crashed while handling the request');
    }
    if (prompt.includes('[upstream-error]')) {
      return { error: 'upstream returned HTTP 503 Service Unavailable' };
    }
    return { output: prompt };
  }
}

module.exports = FlakyEchoProvider;
