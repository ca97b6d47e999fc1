//! Typed Azure resource ids and scope arithmetic.
//!
//! Azure compares ids case-insensitively, so every comparison here does too; the id keeps the text as
//! written for display. Ids may hold unknown parts rendered as `{...}` by expansion: they compare as
//! their literal text, so an unknown segment never matches a known one.

use std::fmt;

use serde::{Serialize, Serializer};

/// The level of a scope, from broadest to narrowest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeLevel {
    /// `/`
    Tenant,
    /// `/providers/Microsoft.Management/managementGroups/{mg}`
    ManagementGroup,
    /// `/subscriptions/{sub}`
    Subscription,
    /// `/subscriptions/{sub}/resourceGroups/{rg}`
    ResourceGroup,
    /// `.../providers/{ns}/{type}/{name}`
    Resource,
    /// `.../providers/{ns}/{type}/{name}/{childType}/{childName}...`
    ChildResource,
    /// Not an id we can read (a relative path, an unknown, free text).
    Unknown,
}

impl ScopeLevel {
    /// The kebab-case name used in JSON and policies.
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeLevel::Tenant => "tenant",
            ScopeLevel::ManagementGroup => "management-group",
            ScopeLevel::Subscription => "subscription",
            ScopeLevel::ResourceGroup => "resource-group",
            ScopeLevel::Resource => "resource",
            ScopeLevel::ChildResource => "child-resource",
            ScopeLevel::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ScopeLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A full Azure resource or scope id, e.g.
/// `/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv`.
#[derive(Debug, Clone)]
pub struct ResourceId {
    raw: String,
    /// Path segments without empty ones, as written.
    segments: Vec<String>,
}

impl ResourceId {
    /// Reads an id. Never fails: text that is not an id gets [`ScopeLevel::Unknown`].
    pub fn parse(text: &str) -> ResourceId {
        let trimmed = text.trim();
        let segments = split_segments(trimmed);
        ResourceId {
            raw: trimmed.to_string(),
            segments,
        }
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// True when the id starts with `/` (an absolute id rather than a relative `type/name` path).
    pub fn is_absolute(&self) -> bool {
        self.raw.starts_with('/')
    }

    /// True when some part was unknown at plan time (rendered `{...}`).
    pub fn has_unknown_parts(&self) -> bool {
        self.raw.contains('{')
    }

    /// True when what kind of scope this is cannot be read: its level is unknown, or a part of its
    /// resource type is. Unknown *names* alone do not count: `/subscriptions/s/resourceGroups/rg/
    /// providers/Microsoft.Relay/namespaces/{parameter 'n'}` is a Relay namespace, a resource,
    /// and can be judged by type and level even though which namespace it is is not known.
    pub fn has_unknown_level_or_type(&self) -> bool {
        match self.level() {
            ScopeLevel::Unknown => true,
            ScopeLevel::Resource | ScopeLevel::ChildResource => self
                .resource_type()
                .is_none_or(|t| t.contains('{') || t.contains('@')),
            _ => false,
        }
    }

    /// The part of the id before its first segment known only at run time (`{...}` or a workflow
    /// expression `@{...}`), when that part is an absolute scope: a call to
    /// `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/wf/runs/@{id}`
    /// lies somewhere under the workflow. `None` when the id is fully known or starts unknown.
    pub fn known_prefix(&self) -> Option<ResourceId> {
        let first = self
            .segments
            .iter()
            .position(|s| s.contains('{') || s.contains('@'))?;
        if !self.is_absolute() {
            return None;
        }
        // The longest known head that is a scope (a collection such as `.../wf/runs` is not).
        (1..=first).rev().find_map(|n| {
            let segments: Vec<String> = self.segments[..n].to_vec();
            let id = ResourceId {
                raw: format!("/{}", segments.join("/")),
                segments,
            };
            (id.level() != ScopeLevel::Unknown).then_some(id)
        })
    }

    /// The subscription id, if the id names one.
    pub fn subscription(&self) -> Option<&str> {
        self.value_after("subscriptions", 0)
    }

    /// The resource group name, if the id names one.
    pub fn resource_group(&self) -> Option<&str> {
        match self.subscription() {
            Some(_) => self.value_after("resourceGroups", 2),
            None => None,
        }
    }

    /// The management group name, if this is a management group scope (or under one).
    pub fn management_group(&self) -> Option<&str> {
        let s = &self.segments;
        if s.len() >= 4
            && s[0].eq_ignore_ascii_case("providers")
            && s[1].eq_ignore_ascii_case("Microsoft.Management")
            && s[2].eq_ignore_ascii_case("managementGroups")
        {
            Some(&s[3])
        } else {
            None
        }
    }

    fn value_after(&self, key: &str, index: usize) -> Option<&str> {
        let s = &self.segments;
        if s.len() > index + 1 && s[index].eq_ignore_ascii_case(key) {
            Some(&s[index + 1])
        } else {
            None
        }
    }

    /// Index of the last `providers` segment that starts a resource type path.
    fn last_provider(&self) -> Option<usize> {
        let s = &self.segments;
        (0..s.len())
            .rev()
            .find(|&i| s[i].eq_ignore_ascii_case("providers") && i + 1 < s.len())
    }

    /// The level of this id as a scope.
    pub fn level(&self) -> ScopeLevel {
        if !self.is_absolute() {
            return ScopeLevel::Unknown;
        }
        let s = &self.segments;
        if s.is_empty() {
            return ScopeLevel::Tenant;
        }
        if self.management_group().is_some() && s.len() == 4 {
            return ScopeLevel::ManagementGroup;
        }
        if self.subscription().is_some() && s.len() == 2 {
            return ScopeLevel::Subscription;
        }
        if self.resource_group().is_some() && s.len() == 4 {
            return ScopeLevel::ResourceGroup;
        }
        match self.type_name_pairs() {
            Some(pairs) if pairs.len() == 1 => ScopeLevel::Resource,
            Some(pairs) if pairs.len() > 1 => ScopeLevel::ChildResource,
            _ => ScopeLevel::Unknown,
        }
    }

    /// `(type, name)` segments after the last provider namespace; `None` if the id has no full
    /// provider path (`providers/{ns}/{type}/{name}` with types and names paired).
    fn type_name_pairs(&self) -> Option<Vec<(&str, &str)>> {
        let p = self.last_provider()?;
        let rest = self.segments.get(p + 2..)?;
        if rest.is_empty() || rest.len() % 2 != 0 {
            return None;
        }
        Some(
            rest.chunks(2)
                .map(|c| (c[0].as_str(), c[1].as_str()))
                .collect(),
        )
    }

    /// The full resource type, e.g. `Microsoft.Storage/storageAccounts/blobServices`, for resource
    /// ids; `Microsoft.Resources/subscriptions` and `Microsoft.Resources/resourceGroups` for those.
    pub fn resource_type(&self) -> Option<String> {
        match self.level() {
            ScopeLevel::Subscription => Some("Microsoft.Resources/subscriptions".into()),
            ScopeLevel::ResourceGroup => Some("Microsoft.Resources/resourceGroups".into()),
            ScopeLevel::ManagementGroup => Some("Microsoft.Management/managementGroups".into()),
            ScopeLevel::Resource | ScopeLevel::ChildResource => {
                let p = self.last_provider()?;
                let ns = self.segments.get(p + 1)?;
                let mut out = ns.clone();
                for (t, _) in self.type_name_pairs()? {
                    out.push('/');
                    out.push_str(t);
                }
                Some(out)
            }
            _ => None,
        }
    }

    /// The resource name: the last segment for resources, the group or subscription name otherwise.
    pub fn name(&self) -> Option<&str> {
        match self.level() {
            ScopeLevel::Tenant | ScopeLevel::Unknown => None,
            _ => self.segments.last().map(String::as_str),
        }
    }

    /// The full name (`account/default/container` for a child resource).
    pub fn full_name(&self) -> Option<String> {
        let pairs = self.type_name_pairs()?;
        Some(pairs.iter().map(|(_, n)| *n).collect::<Vec<_>>().join("/"))
    }

    /// The enclosing scope: child → parent resource → resource group → subscription → tenant.
    /// An extension resource's parent is the resource it extends.
    pub fn parent(&self) -> Option<ResourceId> {
        let level = self.level();
        let keep = match level {
            ScopeLevel::Tenant | ScopeLevel::Unknown => return None,
            ScopeLevel::ManagementGroup | ScopeLevel::Subscription => 0,
            ScopeLevel::ResourceGroup => 2,
            ScopeLevel::Resource => self.last_provider()?,
            ScopeLevel::ChildResource => self.segments.len() - 2,
        };
        let segments: Vec<String> = self.segments[..keep].to_vec();
        Some(ResourceId {
            raw: format!("/{}", segments.join("/")),
            segments,
        })
    }

    /// True when `self` is `other` or lies inside it, compared as Azure does (case-insensitively,
    /// segment by segment). Management-group membership of subscriptions is not in the id, so a
    /// subscription is only under the tenant root, never under a management group here.
    pub fn is_at_or_under(&self, other: &ResourceId) -> bool {
        if !self.is_absolute() || !other.is_absolute() {
            return false;
        }
        if other.segments.len() > self.segments.len() {
            return false;
        }
        other
            .segments
            .iter()
            .zip(&self.segments)
            .all(|(a, b)| a.eq_ignore_ascii_case(b))
    }
}

/// The `/`-separated segments of `text`, without empty ones, never splitting inside a rendered
/// unknown: `{runtime property subscriptionId of Microsoft.Subscription/aliases/sub2}` is one
/// segment (the name of a subscription), not three.
fn split_segments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '/' if depth == 0 => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

impl PartialEq for ResourceId {
    fn eq(&self, other: &Self) -> bool {
        self.segments.len() == other.segments.len()
            && self.is_absolute() == other.is_absolute()
            && self
                .segments
                .iter()
                .zip(&other.segments)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    }
}

impl Eq for ResourceId {}

impl std::hash::Hash for ResourceId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.is_absolute().hash(state);
        // Case-insensitive like `eq`, without allocating a lowercase copy per segment.
        for s in &self.segments {
            for b in s.bytes() {
                state.write_u8(b.to_ascii_lowercase());
            }
            state.write_u8(b'/');
        }
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl Serialize for ResourceId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl From<&str> for ResourceId {
    fn from(s: &str) -> ResourceId {
        ResourceId::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KV: &str = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";

    #[test]
    fn levels() {
        let cases = [
            ("/", ScopeLevel::Tenant),
            ("/providers/Microsoft.Management/managementGroups/mg", ScopeLevel::ManagementGroup),
            ("/subscriptions/s1", ScopeLevel::Subscription),
            ("/subscriptions/s1/resourceGroups/rg", ScopeLevel::ResourceGroup),
            (KV, ScopeLevel::Resource),
            ("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/blobServices/default/containers/c", ScopeLevel::ChildResource),
            ("Microsoft.Storage/storageAccounts/a", ScopeLevel::Unknown),
            ("/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/abc", ScopeLevel::Resource),
        ];
        for (id, level) in cases {
            assert_eq!(ResourceId::parse(id).level(), level, "{id}");
        }
    }

    #[test]
    fn unknown_names_keep_level_and_type() {
        // A rendered unknown holding `/` is one segment: the level is still read.
        let sub = ResourceId::parse(
            "/subscriptions/{runtime property properties.subscriptionId of Microsoft.Subscription/aliases/sub2}",
        );
        assert_eq!(sub.level(), ScopeLevel::Subscription);
        assert!(!sub.has_unknown_level_or_type());
        let relay = ResourceId::parse(
            "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Relay/namespaces/{parameter 'n' (no value given)}",
        );
        assert_eq!(relay.level(), ScopeLevel::Resource);
        assert_eq!(
            relay.resource_type().as_deref(),
            Some("Microsoft.Relay/namespaces")
        );
        assert!(!relay.has_unknown_level_or_type());
        let subnet = ResourceId::parse("/subscriptions/s1/resourceGroups/{parameter 'rg'}/providers/Microsoft.Network/virtualNetworks/{...}/subnets/{a/b}");
        assert_eq!(subnet.level(), ScopeLevel::ChildResource);
        assert!(!subnet.has_unknown_level_or_type());
        // What is unknown is the kind of scope: a whole unknown, an unknown type, a relative path.
        for text in [
            "{parameter 'scope' (no value given)}",
            "/subscriptions/s1/resourceGroups/rg/providers/{format of parameter 'ns'}/x",
            "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Web/{parameter 't'}/x",
            "Microsoft.Relay/namespaces/{parameter 'n'}",
        ] {
            assert!(
                ResourceId::parse(text).has_unknown_level_or_type(),
                "{text}"
            );
        }
        assert!(!ResourceId::parse(KV).has_unknown_level_or_type());
    }

    #[test]
    fn type_name_and_parent() {
        let c = ResourceId::parse("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/blobServices/default/containers/c");
        assert_eq!(
            c.resource_type().as_deref(),
            Some("Microsoft.Storage/storageAccounts/blobServices/containers")
        );
        assert_eq!(c.name(), Some("c"));
        assert_eq!(c.full_name().as_deref(), Some("a/default/c"));
        let p = c.parent().and_then(|p| p.parent()).and_then(|p| p.parent());
        assert_eq!(
            p.as_ref().map(ResourceId::as_str),
            Some("/subscriptions/s1/resourceGroups/rg")
        );
        let sub = p.and_then(|p| p.parent());
        assert_eq!(
            sub.as_ref().map(|s| s.level()),
            Some(ScopeLevel::Subscription)
        );
        assert_eq!(
            sub.and_then(|s| s.parent()).map(|t| t.level()),
            Some(ScopeLevel::Tenant)
        );
    }

    #[test]
    fn extension_resource_parent_is_extended_resource() {
        let ra = ResourceId::parse(&format!(
            "{KV}/providers/Microsoft.Authorization/roleAssignments/g1"
        ));
        assert_eq!(ra.level(), ScopeLevel::Resource);
        assert_eq!(
            ra.resource_type().as_deref(),
            Some("Microsoft.Authorization/roleAssignments")
        );
        assert_eq!(ra.parent(), Some(ResourceId::parse(KV)));
    }

    #[test]
    fn at_or_under_is_case_insensitive_and_segment_wise() {
        let kv = ResourceId::parse(KV);
        let rg = ResourceId::parse("/SUBSCRIPTIONS/S1/resourcegroups/RG");
        assert!(kv.is_at_or_under(&rg));
        assert!(kv.is_at_or_under(&kv));
        assert!(!rg.is_at_or_under(&kv));
        assert!(kv.is_at_or_under(&ResourceId::parse("/")));
        // A prefix of the text but not of the segments: rg2 is not under rg.
        let rg2 = ResourceId::parse("/subscriptions/s1/resourceGroups/rg2");
        assert!(!rg2.is_at_or_under(&rg));
        assert!(!ResourceId::parse("Microsoft.KeyVault/vaults/kv").is_at_or_under(&rg));
        assert_eq!(ResourceId::parse(&KV.to_uppercase()), kv);
    }
}
