//! Operator roles and what each may do. `Role::allows` is the one permission table; the server
//! calls it for every object and every field an operator touches.

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

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Member, Role::Guest];

    /// - owner: everything;
    /// - admin: everything but transferring or deleting the site;
    /// - member: works tickets (all ticket actions but deleting), no site administration;
    /// - guest: reads tickets and adds internal notes (a contractor or a colleague consulted),
    ///   never speaks to the customer or changes a ticket.
    pub fn allows(self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::Owner => true,
            Role::Admin => action != ManageSite,
            Role::Member => !matches!(
                action,
                DeleteTicket | ManageSettings | ManageMembers | ManageApiKeys | ManageSite
            ),
            Role::Guest => matches!(action, ViewTickets | CommentInternal),
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
        assert_eq!(guest_may, vec![ViewTickets, CommentInternal]);
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
