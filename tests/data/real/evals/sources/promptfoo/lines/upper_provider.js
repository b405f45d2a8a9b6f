// A local stand-in for a second model endpoint: answers with the prompt upper-cased.
class UpperProvider {
  constructor(options) { this.providerId = (options && options.id) || 'upper'; }
  id() { return this.providerId; }
  async callApi(prompt) { return { output: prompt.toUpperCase() }; }
}
module.exports = UpperProvider;
