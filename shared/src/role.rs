//! Operator roles and what each may do. `Role::permits` is the one permission function: the
//! server calls it for every object and every field an operator touches, with whose ticket it
//! is. `Role::allows` is its site-level half (what a role may do on some ticket at all).

use serde::{Deserialize, Serialize};

use crate::field_error::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Member,
    Guest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ViewTickets,
    CommentInternal,
    CommentPublic,
    CreateTicket,
    ChangeStatus,
    ChangePriority,
    Assign,
    EditFields,
    EditLabels,
    BulkEdit,
    MarkSpam,
    DeleteTicket,
    ManageSettings,
    ManageMembers,
    ManageApiKeys,
    /// Transfer or delete the site itself.
    ManageSite,
}

impl Action {
    pub const ALL: [Action; 16] = [
        Action::ViewTickets,
        Action::CommentInternal,
        Action::CommentPublic,
        Action::CreateTicket,
        Action::ChangeStatus,
        Action::ChangePriority,
        Action::Assign,
        Action::EditFields,
        Action::EditLabels,
        Action::BulkEdit,
        Action::MarkSpam,
        Action::DeleteTicket,
        Action::ManageSettings,
        Action::ManageMembers,
        Action::ManageApiKeys,
        Action::ManageSite,
    ];
}

impl Action {
    /// Actions that change (or delete) one existing ticket: the ones ownership limits.
    pub fn changes_a_ticket(self) -> bool {
        use Action::*;
        matches!(
            self,
            CommentInternal
                | CommentPublic
                | ChangeStatus
                | ChangePriority
                | Assign
                | EditFields
                | EditLabels
                | MarkSpam
                | DeleteTicket
        )
    }
}

/// Whose ticket an operator is acting on, as seen from that operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ownership {
    /// Assigned to the acting operator.
    Mine,
    /// Assigned to someone else.
    Others,
    Unassigned,
}

impl Ownership {
    pub const ALL: [Ownership; 3] = [Ownership::Mine, Ownership::Others, Ownership::Unassigned];

    /// `assignee` is the ticket's assignee id, `me` the acting operator's.
    pub fn of(assignee: Option<&str>, me: &str) -> Self {
        match assignee {
            None => Ownership::Unassigned,
            Some(id) if id == me => Ownership::Mine,
            Some(_) => Ownership::Others,
        }
    }
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Member, Role::Guest];

    /// What the role may do on the site, whoever's ticket it is (the best case):
    /// - owner: everything;
    /// - admin: everything but transferring or deleting the site;
    /// - member: creates and works tickets (all ticket actions but deleting), no site
    ///   administration;
    /// - guest: reads tickets, nothing else.
    pub fn allows(self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::Owner => true,
            Role::Admin => action != ManageSite,
            Role::Member => !matches!(
                action,
                DeleteTicket | ManageSettings | ManageMembers | ManageApiKeys | ManageSite
            ),
            Role::Guest => action == ViewTickets,
        }
    }

    /// The permission function: may this role do `action` on a ticket of this `ownership`?
    /// A member changes only tickets assigned to them, or unassigned ones (to take them);
    /// someone else's ticket they may only read. Owners and admins are not limited by
    /// ownership. Actions that are not about one existing ticket ignore `ownership`.
    pub fn permits(self, action: Action, ownership: Ownership) -> bool {
        if !self.allows(action) {
            return false;
        }
        match self {
            Role::Member => !(action.changes_a_ticket() && ownership == Ownership::Others),
            Role::Owner | Role::Admin | Role::Guest => true,
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw)
            .ok_or(FieldError::InvalidFormat)
    }

    /// The wire and database spelling (identical to the SQL `CHECK` values).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Guest => "guest",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    #[test]
    fn the_permission_table() {
        for action in Action::ALL {
            assert!(Role::Owner.allows(action));
            assert_eq!(
                Role::Admin.allows(action),
                action != ManageSite,
                "{action:?}"
            );
        }
        let member_may: Vec<_> = Action::ALL
            .into_iter()
            .filter(|a| Role::Member.allows(*a))
            .collect();
        assert_eq!(member_may, Action::ALL[..11].to_vec());
        let guest_may: Vec<_> = Action::ALL
            .into_iter()
            .filter(|a| Role::Guest.allows(*a))
            .collect();
        assert_eq!(guest_may, vec![ViewTickets]);
    }

    /// Every role × action × ownership, written out as the seed table says it, and compared
    /// with `permits` cell by cell.
    #[test]
    fn every_role_action_and_ownership() {
        use Ownership::*;
        let ticket_changes = [
            CommentInternal,
            CommentPublic,
            ChangeStatus,
            ChangePriority,
            Assign,
            EditFields,
            EditLabels,
            MarkSpam,
        ];
        let administration = [ManageSettings, ManageMembers, ManageApiKeys];
        let mut cells = 0;
        for role in Role::ALL {
            for action in Action::ALL {
                for ownership in Ownership::ALL {
                    let expected = match (role, action) {
                        (Role::Owner, _) => true,
                        (Role::Admin, ManageSite) => false,
                        (Role::Admin, _) => true,
                        (Role::Member, ViewTickets | CreateTicket | BulkEdit) => true,
                        (Role::Member, DeleteTicket | ManageSite) => false,
                        (Role::Member, a) if administration.contains(&a) => false,
                        (Role::Member, a) if ticket_changes.contains(&a) => ownership != Others,
                        (Role::Guest, ViewTickets) => true,
                        (Role::Guest, _) => false,
                        (role, action) => panic!("the table misses {role:?} {action:?}"),
                    };
                    assert_eq!(
                        role.permits(action, ownership),
                        expected,
                        "{role:?} {action:?} {ownership:?}"
                    );
                    cells += 1;
                }
            }
        }
        assert_eq!(cells, 4 * 16 * 3);
    }

    #[test]
    fn ownership_is_seen_from_the_acting_operator() {
        assert_eq!(Ownership::of(None, "a"), Ownership::Unassigned);
        assert_eq!(Ownership::of(Some("a"), "a"), Ownership::Mine);
        assert_eq!(Ownership::of(Some("b"), "a"), Ownership::Others);
    }

    #[test]
    fn permits_never_grants_what_allows_refuses() {
        for role in Role::ALL {
            for action in Action::ALL {
                for ownership in Ownership::ALL {
                    assert!(!role.permits(action, ownership) || role.allows(action));
                }
                assert_eq!(role.permits(action, Ownership::Mine), role.allows(action));
            }
        }
    }

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert_eq!(Role::parse("boss"), Err(FieldError::InvalidFormat));
    }

    #[test]
    fn each_role_may_do_at_least_what_the_next_lower_may() {
        for pair in Role::ALL.windows(2) {
            for action in Action::ALL {
                assert!(
                    !pair[1].allows(action) || pair[0].allows(action),
                    "{pair:?} {action:?}"
                );
            }
        }
    }
}
