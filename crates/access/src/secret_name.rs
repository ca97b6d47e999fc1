//! Whether a name (a template parameter, a connection parameter, a setting) says it holds a secret.
//!
//! One list for the whole product: the access model uses it on connection parameter names, the
//! rules on template parameter names. The baseline is Bicep's linter rule
//! `secure-secrets-in-params` (`password|pwd|secret|accountkey|acctkey`, minus
//! `secretpermissions|secretversion|secreturi|secreturl|secretname`); beyond it, names are read as
//! words (`sasToken` is a token, `TokenGeneration` is not, `monkey` holds no key) and names *about*
//! a secret are not one: lengths, paths, URIs, names, tags, settings objects, expiry dates, and
//! key *references* such as `customerManagedKey`; a credential is one only when the name ends with
//! it (`adminCredentials`, not `credentialProvider`).

/// Substrings that make a name secret, as Bicep's linter matches them, plus compounds written
/// without word breaks (`storageaccesskey`, `sbconnectionstring`).
const SECRET_PARTS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "accountkey",
    "acctkey",
    "accesskey",
    "sharedkey",
    "apikey",
    "privatekey",
    "primarykey",
    "secondarykey",
    "masterkey",
    "connectionstring",
    "sastoken",
    "passphrase",
];

/// Last words (or endings of a last word written without breaks, `vmcredentials`) that make a
/// name secret: a credential is one when the name ends with it (`servicePrincipalCredential`);
/// `credentialProvider`, `credentialType` name something else that is about credentials.
const CREDENTIAL_ENDINGS: &[&str] = &["credential", "credentials"];

/// Last words that make a name secret on their own (`githubToken`, `licenseKey`, `sas`).
const SECRET_LAST_WORDS: &[&str] = &["token", "key", "keys", "sas", "signature"];

/// Last words of names *about* a secret, or holding something else: the value is not the secret.
const NOT_SECRET_LAST_WORDS: &[&str] = &[
    "name",
    "names",
    "uri",
    "url",
    "urls",
    "id",
    "ids",
    "version",
    "expiry",
    "expiration",
    "expires",
    "enabled",
    "type",
    "length",
    "size",
    "path",
    "paths",
    "permissions",
    "generation",
    "rotation",
    "tag",
    "tags",
    "count",
    "days",
    "endpoint",
    "reference",
    "ref",
    "settings",
    "setting",
    "config",
    "configuration",
    "policy",
    "kind",
    "mode",
    "format",
    "vault",
    "identity",
    "location",
    "source",
    "file",
    "hint",
    "complexity",
];

/// Words before `key` that name something other than a credential: data keys, and key
/// references (a Key Vault key used for encryption is named, never held).
const NOT_CREDENTIAL_KEY_WORDS: &[&str] = &[
    "partition",
    "row",
    "shard",
    "sort",
    "routing",
    "idempotency",
    "instrumentation",
    "encryption",
    "managed",
    "cmk",
    "vault",
    "disk",
    "lookup",
    "foreign",
    "unique",
    "public",
    "ssh",
];

/// Whether `name` says its value is a secret.
pub fn looks_secret(name: &str) -> bool {
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if NOT_SECRET_LAST_WORDS.contains(&last.as_str()) || words.iter().any(|w| w == "public") {
        return false;
    }
    let joined: String = words.concat();
    // Key references: the key lives in Key Vault, the template names it.
    if joined.contains("customermanagedkey") || joined.contains("keyvaultkey") {
        return false;
    }
    if SECRET_PARTS.iter().any(|p| joined.contains(p))
        || CREDENTIAL_ENDINGS.iter().any(|e| last.ends_with(e))
    {
        return true;
    }
    if !SECRET_LAST_WORDS.contains(&last.as_str()) {
        return false;
    }
    // `…Key`: not a data key or a key reference (`partitionKey`, `encryptionKey`, `sshKey`).
    let before = &words[..words.len() - 1];
    let private = words.iter().any(|w| w == "private");
    private
        || !before
            .iter()
            .any(|w| NOT_CREDENTIAL_KEY_WORDS.contains(&w.as_str()))
}

/// The lower-case words of a name: split at `_`, `-`, `.`, spaces, digits, and lower-to-upper
/// case changes (`sasToken` → `sas token`, `SASToken` → `sas token`). Also what RA006 reads a
/// principal parameter's name and description with.
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphabetic() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let boundary = c.is_uppercase()
            && prev.is_some_and(|p| {
                p.is_lowercase() || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
            });
        if boundary && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_hold_secrets() {
        for n in [
            "adminPassword",
            "sftpPassword",
            "storageAccountKey",
            "storageaccesskey",
            "sbConnectionString",
            "apiKey",
            "api_key",
            "client_secret",
            "githubToken",
            "sasToken",
            "SASToken",
            "accessKey",
            "connectionString",
            "sharedkey",
            "sshPrivateKey",
            "licenseKey",
            "vmPwd",
            "servicePrincipalCredential",
            "adminCredentials",
            "vmcredentials",
            "sas",
        ] {
            assert!(looks_secret(n), "{n}");
        }
    }

    #[test]
    fn names_about_secrets_or_other_things_are_not_secrets() {
        for n in [
            "keyVaultName",
            "secretName",
            "secretPermissions",
            "secretVersion",
            "secretUri",
            "location",
            "tokenExpiry",
            "TokenGeneration",
            "passwordSecretUri",
            "keyVaultId",
            "monkey_business_enabled",
            "aksClusterSshPublicKey",
            "adminPublicKey",
            "sshKey",
            "sharedAccessKeyName",
            "vaultName",
            "passwordLength",
            "keySize",
            "sshKeyPath",
            "customerManagedKey",
            "partitionKey",
            "encryptionKey",
            "secretsExportConfiguration",
            "secretTags",
            "blobEndpoint",
            "credentialProvider",
            "credentialProviderOptions",
        ] {
            assert!(!looks_secret(n), "{n}");
        }
    }

    #[test]
    fn words_split_at_case_changes_digits_and_separators() {
        assert_eq!(words("SASToken"), ["sas", "token"]);
        assert_eq!(words("storage_account-key2"), ["storage", "account", "key"]);
        assert_eq!(words("TokenGeneration"), ["token", "generation"]);
    }
}
