//! Request parameters as received (query, form or JSON flattened to pairs).

use crate::error::OidcError;

#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// A single-valued parameter; empty means absent, repeating it is an error (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Result<Option<&str>, OidcError> {
        let mut values = self.0.iter().filter(|(key, _)| key == name).map(|(_, value)| value.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(OidcError::invalid_request(format!("'{name}' parameter must not be provided twice")));
        }
        Ok(first.filter(|value| !value.is_empty()))
    }

    pub fn require(&self, name: &str) -> Result<&str, OidcError> {
        self.get(name)?
            .ok_or_else(|| OidcError::invalid_request(format!("missing required parameter '{name}'")))
    }

    /// Every value of a repeatable parameter; comma-separated values are split like Logto does
    /// for `resource`.
    pub fn all_split(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// Splits a space-delimited scope string, dropping duplicates but keeping order.
pub fn split_scope(scope: &str) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    for scope in scope.split(' ').filter(|s| !s.is_empty()) {
        if !scopes.iter().any(|known| known == scope) {
            scopes.push(scope.to_owned());
        }
    }
    scopes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::new(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn duplicates_are_rejected_and_empty_is_absent() {
        let p = params(&[("a", "1"), ("a", "2"), ("b", "")]);
        assert_eq!(p.get("a").unwrap_err().error, "invalid_request");
        assert_eq!(p.get("b").expect("ok"), None);
        assert_eq!(p.require("c").unwrap_err().description, "missing required parameter 'c'");
    }

    #[test]
    fn resources_repeat_and_split_on_commas() {
        let p = params(&[("resource", "https://a,https://b"), ("resource", "https://c")]);
        assert_eq!(p.all_split("resource"), vec!["https://a", "https://b", "https://c"]);
    }

    #[test]
    fn scope_splitting_dedups() {
        assert_eq!(split_scope("openid  profile openid"), vec!["openid", "profile"]);
    }
}
