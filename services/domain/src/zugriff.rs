//! Who may do what with a case: decided here, in one place, and enforced by every route.

use crate::Role;

/// The person acting, as member of one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Akteur {
    pub user_id: i64,
    pub tenant_id: i64,
    pub role: Role,
}

/// What access rules need to know about a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VorgangRef {
    pub tenant_id: i64,
    pub owner_user_id: i64,
}

/// Nothing ever crosses tenants. Applicants see their own cases; the Bauaufsicht and the
/// tenant's administration see all of the tenant's cases. Fachstellen see a case only once
/// they are asked (Beteiligung), which is decided with the participation, not here.
pub fn darf_vorgang_sehen(a: &Akteur, v: &VorgangRef) -> bool {
    a.tenant_id == v.tenant_id
        && match a.role {
            Role::Antragsteller => a.user_id == v.owner_user_id,
            Role::Bauaufsicht | Role::Admin => true,
            Role::Fachstelle => false,
        }
}

/// Documents are added by the applicant who owns the case, or by the Bauaufsicht (e.g. for
/// an application that arrived on paper and was scanned).
pub fn darf_dokumente_hochladen(a: &Akteur, v: &VorgangRef) -> bool {
    a.tenant_id == v.tenant_id
        && match a.role {
            Role::Antragsteller => a.user_id == v.owner_user_id,
            Role::Bauaufsicht => true,
            Role::Admin | Role::Fachstelle => false,
        }
}

/// Only applicants open cases.
pub fn darf_vorgang_anlegen(role: Role) -> bool {
    role == Role::Antragsteller
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn role() -> impl Strategy<Value = Role> {
        prop::sample::select(Role::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn nothing_crosses_tenants(uid in 1i64..5, t_a in 1i64..4, t_v in 1i64..4, owner in 1i64..5, r in role()) {
            let a = Akteur { user_id: uid, tenant_id: t_a, role: r };
            let v = VorgangRef { tenant_id: t_v, owner_user_id: owner };
            if t_a != t_v {
                prop_assert!(!darf_vorgang_sehen(&a, &v));
                prop_assert!(!darf_dokumente_hochladen(&a, &v));
            }
            // Whoever may upload may also see.
            if darf_dokumente_hochladen(&a, &v) {
                prop_assert!(darf_vorgang_sehen(&a, &v));
            }
        }
    }

    #[test]
    fn applicants_see_only_their_own_cases() {
        let v = VorgangRef {
            tenant_id: 1,
            owner_user_id: 7,
        };
        assert!(darf_vorgang_sehen(
            &Akteur {
                user_id: 7,
                tenant_id: 1,
                role: Role::Antragsteller
            },
            &v
        ));
        assert!(!darf_vorgang_sehen(
            &Akteur {
                user_id: 8,
                tenant_id: 1,
                role: Role::Antragsteller
            },
            &v
        ));
        assert!(darf_vorgang_sehen(
            &Akteur {
                user_id: 9,
                tenant_id: 1,
                role: Role::Bauaufsicht
            },
            &v
        ));
        assert!(!darf_vorgang_sehen(
            &Akteur {
                user_id: 9,
                tenant_id: 1,
                role: Role::Fachstelle
            },
            &v
        ));
    }
}
