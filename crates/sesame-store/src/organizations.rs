//! [`OrganizationStore`] for [`SqlStore`]: organizations, their template (organization scopes
//! and roles) and their user and application members, on the tables of migration 0004. Like
//! `sql_store`, every statement here is valid in both dialects.
//!
//! Clarifications of the trait's contract, as implemented here:
//!
//! * Writes answer `NotFound` when a row they refer to is missing: the organization, user,
//!   application, role or scope (checked explicitly, or through a foreign key, whose violation
//!   also reads as `NotFound`). Multi-row writes run in one transaction, so a missing row
//!   leaves nothing half-written. Adding a pair that exists already is a no-op.
//! * Removing a pair that does not exist (a member, a member's role, a role's scope) and
//!   updating or deleting a missing record answer `NotFound`, as elsewhere in the store.
//! * Listings of one parent's children (`organization_users`, `organization_applications`,
//!   `organization_role_scopes`, `organization_role_resource_scopes`) answer `NotFound` when the
//!   parent organization or role is missing, checked in the same snapshot as the listing, so
//!   callers can tell "none" from "no such parent".
//! * Questions about a member (`is_organization_*`, `organization_*_roles`, `user_organizations`,
//!   `user_organization_role_names` and the scope resolutions) never answer `NotFound`: an
//!   unknown organization, user or application is simply not a member, and holds no roles or
//!   scopes. The token endpoint asks them about whatever organization id a request names.
//! * Role types: a user can only be given roles of type `User`, an application only roles of
//!   type `MachineToMachine` (Logto's rule). A role of the other type answers
//!   `Conflict { field: "type" }` and nothing of the call is written.
//! * Application members must be machine-to-machine applications (Logto's rule too): adding
//!   any other application answers `Conflict { field: "type" }`.
//! * Orders: organizations newest first (ties: the later insert first); scopes and roles by
//!   name, bytewise; members, and a user's organizations, by join order; a user's
//!   `(organization, role name)` pairs by join order, then role name; resource scopes in
//!   creation order; resolved scope names sorted bytewise and deduplicated.
//! * Multi-row writes insert in id order (duplicates dropped), whatever the order given: two
//!   concurrent calls then never wait for each other's rows in opposite orders, which on
//!   PostgreSQL would deadlock. Members added by one call therefore join in id order.

use std::borrow::Cow;

use async_trait::async_trait;
use sesame_core::model::{Application, ApplicationType, Listing, Page, RoleType, Scope, User};
use sesame_core::organization::{
    Organization, OrganizationRole, OrganizationScope, OrganizationStore,
};
use sesame_core::store::{StoreError, StoreResult};

use crate::common::{
    application_from_row, expect_one_row, scope_from_row, user_from_row, Columns, ListQuery, Param,
    SqlBuilder, Statement,
};
use crate::sql_store::{Backend, SqlStore, Transaction};

type FromRow<T> = fn(&dyn Columns) -> StoreResult<T>;

const ORGANIZATIONS_NEWEST_FIRST: &str = "organizations.created_at DESC, organizations.seq DESC";
const ORGANIZATION_SEARCH_COLUMNS: &[&str] = &["organizations.id", "organizations.name"];

const ORGANIZATION_EXISTS: &str = "SELECT id FROM organizations WHERE id = $1";
const ORGANIZATION_ROLE_EXISTS: &str = "SELECT id FROM organization_roles WHERE id = $1";

const GRANT_ORGANIZATION_SCOPE: &str = "INSERT INTO organization_role_scope_relations \
     (organization_role_id, organization_scope_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
const GRANT_RESOURCE_SCOPE: &str = "INSERT INTO organization_role_resource_scope_relations \
     (organization_role_id, scope_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
const ADD_USER_MEMBER: &str = "INSERT INTO organization_user_relations (organization_id, user_id) \
     VALUES ($1, $2) ON CONFLICT DO NOTHING";
const ADD_APPLICATION_MEMBER: &str = "INSERT INTO organization_application_relations \
     (organization_id, application_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
const ASSIGN_USER_ROLE: &str = "INSERT INTO organization_role_user_relations \
     (organization_id, user_id, organization_role_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
const ASSIGN_APPLICATION_ROLE: &str = "INSERT INTO organization_role_application_relations \
     (organization_id, application_id, organization_role_id) VALUES ($1, $2, $3) \
     ON CONFLICT DO NOTHING";

/// One kind of organization member (users or applications): the tables holding its
/// memberships and its roles, the column naming the member in both, and the role type it may
/// hold. Statements about members are assembled from these fixed fragments; ids are bound.
struct MemberKind {
    memberships: &'static str,
    role_grants: &'static str,
    member_column: &'static str,
    assign_role: &'static str,
    role_type: RoleType,
}

const USER_MEMBERS: MemberKind = MemberKind {
    memberships: "organization_user_relations",
    role_grants: "organization_role_user_relations",
    member_column: "user_id",
    assign_role: ASSIGN_USER_ROLE,
    role_type: RoleType::User,
};

const APPLICATION_MEMBERS: MemberKind = MemberKind {
    memberships: "organization_application_relations",
    role_grants: "organization_role_application_relations",
    member_column: "application_id",
    assign_role: ASSIGN_APPLICATION_ROLE,
    role_type: RoleType::MachineToMachine,
};

impl MemberKind {
    /// `statement` followed by
    /// `WHERE <qualifier>organization_id = $1 AND <qualifier><member column> = $2`, binding
    /// both ids.
    fn with_member<'a>(
        &self,
        mut statement: SqlBuilder<'a>,
        qualifier: &'static str,
        organization_id: &'a str,
        member_id: &'a str,
    ) -> SqlBuilder<'a> {
        statement
            .push(" WHERE ")
            .push(qualifier)
            .push("organization_id = ")
            .push_param(text(organization_id))
            .push(" AND ")
            .push(qualifier)
            .push(self.member_column)
            .push(" = ")
            .push_param(text(member_id));
        statement
    }

    /// A row when the member belongs to the organization.
    fn membership<'a>(&self, organization_id: &'a str, member_id: &'a str) -> Statement<'a> {
        let mut select = SqlBuilder::new("SELECT organization_id FROM ");
        select.push(self.memberships);
        self.with_member(select, "", organization_id, member_id)
            .build()
    }

    /// Deletes the membership.
    fn remove<'a>(&self, organization_id: &'a str, member_id: &'a str) -> Statement<'a> {
        let mut delete = SqlBuilder::new("DELETE FROM ");
        delete.push(self.memberships);
        self.with_member(delete, "", organization_id, member_id)
            .build()
    }

    /// The member's roles in the organization, by name.
    fn roles<'a>(&self, organization_id: &'a str, member_id: &'a str) -> Statement<'a> {
        let mut select =
            SqlBuilder::new("SELECT organization_roles.* FROM organization_roles JOIN ");
        select
            .push(self.role_grants)
            .push(" AS held ON held.organization_role_id = organization_roles.id");
        let mut select = self.with_member(select, "held.", organization_id, member_id);
        select.push(" ORDER BY organization_roles.name");
        select.build()
    }

    /// Takes one role from the member.
    fn remove_role<'a>(
        &self,
        organization_id: &'a str,
        member_id: &'a str,
        role_id: &'a str,
    ) -> Statement<'a> {
        let mut delete = SqlBuilder::new("DELETE FROM ");
        delete.push(self.role_grants);
        let mut delete = self.with_member(delete, "", organization_id, member_id);
        delete
            .push(" AND organization_role_id = ")
            .push_param(text(role_id));
        delete.build()
    }

    /// `grants` (a statement ending in `JOIN `, with role grants aliased `grants`) narrowed to
    /// the roles the member holds in the organization.
    fn granted_to_member<'a>(
        &self,
        mut grants: SqlBuilder<'a>,
        organization_id: &'a str,
        member_id: &'a str,
    ) -> SqlBuilder<'a> {
        grants
            .push(self.role_grants)
            .push(" AS held ON held.organization_role_id = grants.organization_role_id");
        self.with_member(grants, "held.", organization_id, member_id)
    }

    /// The names of the organization scopes the member's roles grant (column `name`).
    fn scopes<'a>(&self, organization_id: &'a str, member_id: &'a str) -> Statement<'a> {
        let select = SqlBuilder::new(
            "SELECT DISTINCT organization_scopes.name FROM organization_scopes \
             JOIN organization_role_scope_relations AS grants \
             ON grants.organization_scope_id = organization_scopes.id JOIN ",
        );
        self.granted_to_member(select, organization_id, member_id)
            .build()
    }

    /// The names of the resource's scopes the member's roles grant (column `name`).
    fn resource_scopes<'a>(
        &self,
        organization_id: &'a str,
        member_id: &'a str,
        resource_id: &'a str,
    ) -> Statement<'a> {
        let select = SqlBuilder::new(
            "SELECT DISTINCT scopes.name FROM scopes \
             JOIN organization_role_resource_scope_relations AS grants \
             ON grants.scope_id = scopes.id JOIN ",
        );
        let mut select = self.granted_to_member(select, organization_id, member_id);
        select
            .push(" AND scopes.resource_id = ")
            .push_param(text(resource_id));
        select.build()
    }
}

fn text(value: &str) -> Param<'_> {
    Param::Text(Some(Cow::Borrowed(value)))
}

// --- rows

fn organization_from_row(row: &dyn Columns) -> StoreResult<Organization> {
    Ok(Organization {
        id: row.text("id")?,
        name: row.text("name")?,
        description: row.opt_text("description")?,
        custom_data: row.json("custom_data")?,
        is_mfa_required: row.flag("is_mfa_required")?,
        created_at: row.int("created_at")?,
    })
}

fn organization_scope_from_row(row: &dyn Columns) -> StoreResult<OrganizationScope> {
    Ok(OrganizationScope {
        id: row.text("id")?,
        name: row.text("name")?,
        description: row.opt_text("description")?,
    })
}

fn organization_role_from_row(row: &dyn Columns) -> StoreResult<OrganizationRole> {
    let role_type = row.text("type")?;
    Ok(OrganizationRole {
        id: row.text("id")?,
        name: row.text("name")?,
        description: row.opt_text("description")?,
        role_type: parse_role_type(&role_type)?,
    })
}

fn parse_role_type(role_type: &str) -> StoreResult<RoleType> {
    RoleType::parse(role_type)
        .ok_or_else(|| StoreError::Backend(format!("unknown organization role type {role_type:?}")))
}

/// The ids sorted and deduplicated: the order multi-row writes insert in (see the module
/// documentation).
fn in_id_order(ids: &[String]) -> Vec<&str> {
    let mut sorted: Vec<&str> = ids.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
}

fn type_conflict() -> StoreError {
    StoreError::Conflict {
        field: "type".to_owned(),
    }
}

impl<B: Backend> SqlStore<B> {
    /// One page of `query` and its total, or `NotFound` when `parent` (a query for the parent
    /// row) returns nothing; all three read from one snapshot.
    async fn list_children<T>(
        &self,
        parent: Statement<'_>,
        query: ListQuery<'_>,
        page: Page,
        from_row: FromRow<T>,
    ) -> StoreResult<Listing<T>> {
        let count = query.count();
        let select = query.page(page);
        let mut tx = self.db.begin_read().await?;
        tx.require_row(parent).await?;
        let total = match tx.fetch_optional(count).await? {
            Some(row) => row.int("total")?,
            None => 0,
        };
        let rows = tx.fetch_all(select).await?;
        tx.commit().await?;
        Ok(Listing {
            items: rows
                .iter()
                .map(|row| from_row(row))
                .collect::<StoreResult<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    /// The rows of `select`, or `NotFound` when `parent` returns nothing; one snapshot.
    async fn children<T>(
        &self,
        parent: Statement<'_>,
        select: Statement<'_>,
        from_row: FromRow<T>,
    ) -> StoreResult<Vec<T>> {
        let mut tx = self.db.begin_read().await?;
        tx.require_row(parent).await?;
        let rows = tx.fetch_all(select).await?;
        tx.commit().await?;
        rows.iter().map(|row| from_row(row)).collect()
    }

    /// The `name` column of every row, deduplicated and sorted bytewise (the same on both
    /// backends, whatever PostgreSQL's collation).
    async fn sorted_names(&self, statement: Statement<'_>) -> StoreResult<Vec<String>> {
        let rows = self.db.fetch_all(statement).await?;
        let mut names = rows
            .iter()
            .map(|row| row.text("name"))
            .collect::<StoreResult<Vec<String>>>()?;
        names.sort_unstable();
        names.dedup();
        Ok(names)
    }

    /// Inserts `(parent, id)` pairs with `insert_pair`, leaving existing pairs alone, in one
    /// transaction that first checks the parent exists. A missing id violates a foreign key,
    /// which reads as `NotFound` and rolls everything back.
    async fn relate(
        &self,
        parent_exists: &'static str,
        insert_pair: &'static str,
        parent_id: &str,
        ids: &[String],
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        tx.require_row(Statement::new(parent_exists).text(parent_id))
            .await?;
        for id in in_id_order(ids) {
            tx.execute(Statement::new(insert_pair).text(parent_id).text(id))
                .await?;
        }
        tx.commit().await
    }

    /// Gives a member of `kind` the roles, which must all be of the kind's role type;
    /// atomically.
    async fn assign_member_roles(
        &self,
        kind: &MemberKind,
        organization_id: &str,
        member_id: &str,
        role_ids: &[String],
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        tx.require_row(kind.membership(organization_id, member_id))
            .await?;
        for role_id in in_id_order(role_ids) {
            let row = tx
                .fetch_optional(
                    Statement::new("SELECT type FROM organization_roles WHERE id = $1")
                        .text(role_id),
                )
                .await?
                .ok_or(StoreError::NotFound)?;
            if parse_role_type(&row.text("type")?)? != kind.role_type {
                return Err(type_conflict());
            }
            // A role or membership deleted meanwhile violates a foreign key: NotFound.
            tx.execute(
                Statement::new(kind.assign_role)
                    .text(organization_id)
                    .text(member_id)
                    .text(role_id),
            )
            .await?;
        }
        tx.commit().await
    }
}

#[async_trait]
impl<B: Backend> OrganizationStore for SqlStore<B> {
    // --- organizations

    async fn insert_organization(&self, organization: &Organization) -> StoreResult<()> {
        let statement = Statement::new(
            "INSERT INTO organizations (id, name, description, custom_data, is_mfa_required, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .text(organization.id.as_str())
        .text(organization.name.as_str())
        .text(organization.description.as_deref())
        .json(&organization.custom_data)?
        .flag(organization.is_mfa_required)
        .int(organization.created_at);
        self.db.execute(statement).await?;
        Ok(())
    }

    async fn find_organization(&self, id: &str) -> StoreResult<Option<Organization>> {
        let statement = Statement::new("SELECT * FROM organizations WHERE id = $1").text(id);
        self.fetch_record(statement, organization_from_row).await
    }

    async fn list_organizations(
        &self,
        search: Option<&str>,
        page: Page,
    ) -> StoreResult<Listing<Organization>> {
        let mut query = ListQuery::new(
            "organizations.*",
            "organizations",
            ORGANIZATIONS_NEWEST_FIRST,
        );
        if let Some(search) = search {
            query.and_contains(ORGANIZATION_SEARCH_COLUMNS, search);
        }
        self.list(query, page, organization_from_row).await
    }

    async fn update_organization(&self, organization: &Organization) -> StoreResult<()> {
        let statement = Statement::new(
            "UPDATE organizations SET name = $2, description = $3, custom_data = $4, \
             is_mfa_required = $5 WHERE id = $1",
        )
        .text(organization.id.as_str())
        .text(organization.name.as_str())
        .text(organization.description.as_deref())
        .json(&organization.custom_data)?
        .flag(organization.is_mfa_required);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn delete_organization(&self, id: &str) -> StoreResult<()> {
        // Memberships cascade, and the members' roles with them.
        let statement = Statement::new("DELETE FROM organizations WHERE id = $1").text(id);
        expect_one_row(self.db.execute(statement).await?)
    }

    // --- organization scopes

    async fn insert_organization_scope(&self, scope: &OrganizationScope) -> StoreResult<()> {
        let statement = Statement::new(
            "INSERT INTO organization_scopes (id, name, description) VALUES ($1, $2, $3)",
        )
        .text(scope.id.as_str())
        .text(scope.name.as_str())
        .text(scope.description.as_deref());
        self.db.execute(statement).await?;
        Ok(())
    }

    async fn find_organization_scope(&self, id: &str) -> StoreResult<Option<OrganizationScope>> {
        let statement = Statement::new("SELECT * FROM organization_scopes WHERE id = $1").text(id);
        self.fetch_record(statement, organization_scope_from_row)
            .await
    }

    async fn list_organization_scopes(
        &self,
        page: Page,
    ) -> StoreResult<Listing<OrganizationScope>> {
        let query = ListQuery::new(
            "organization_scopes.*",
            "organization_scopes",
            "organization_scopes.name",
        );
        self.list(query, page, organization_scope_from_row).await
    }

    async fn update_organization_scope(&self, scope: &OrganizationScope) -> StoreResult<()> {
        let statement = Statement::new(
            "UPDATE organization_scopes SET name = $2, description = $3 WHERE id = $1",
        )
        .text(scope.id.as_str())
        .text(scope.name.as_str())
        .text(scope.description.as_deref());
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn delete_organization_scope(&self, id: &str) -> StoreResult<()> {
        // Role grants cascade.
        let statement = Statement::new("DELETE FROM organization_scopes WHERE id = $1").text(id);
        expect_one_row(self.db.execute(statement).await?)
    }

    // --- organization roles

    async fn insert_organization_role(
        &self,
        role: &OrganizationRole,
        organization_scope_ids: &[String],
        resource_scope_ids: &[String],
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let insert = Statement::new(
            "INSERT INTO organization_roles (id, name, description, type) VALUES ($1, $2, $3, $4)",
        )
        .text(role.id.as_str())
        .text(role.name.as_str())
        .text(role.description.as_deref())
        .text(role.role_type.as_str());
        tx.execute(insert).await?;
        // An unknown scope violates a foreign key: NotFound, and the role is not kept.
        for (grant, scope_ids) in [
            (GRANT_ORGANIZATION_SCOPE, organization_scope_ids),
            (GRANT_RESOURCE_SCOPE, resource_scope_ids),
        ] {
            for scope_id in in_id_order(scope_ids) {
                tx.execute(Statement::new(grant).text(role.id.as_str()).text(scope_id))
                    .await?;
            }
        }
        tx.commit().await
    }

    async fn find_organization_role(&self, id: &str) -> StoreResult<Option<OrganizationRole>> {
        let statement = Statement::new("SELECT * FROM organization_roles WHERE id = $1").text(id);
        self.fetch_record(statement, organization_role_from_row)
            .await
    }

    async fn list_organization_roles(&self, page: Page) -> StoreResult<Listing<OrganizationRole>> {
        let query = ListQuery::new(
            "organization_roles.*",
            "organization_roles",
            "organization_roles.name",
        );
        self.list(query, page, organization_role_from_row).await
    }

    async fn update_organization_role(&self, role: &OrganizationRole) -> StoreResult<()> {
        let statement = Statement::new(
            "UPDATE organization_roles SET name = $2, description = $3 WHERE id = $1",
        )
        .text(role.id.as_str())
        .text(role.name.as_str())
        .text(role.description.as_deref());
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn delete_organization_role(&self, id: &str) -> StoreResult<()> {
        // Scope grants and member assignments cascade.
        let statement = Statement::new("DELETE FROM organization_roles WHERE id = $1").text(id);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn organization_role_scopes(&self, role_id: &str) -> StoreResult<Vec<OrganizationScope>> {
        let select = Statement::new(
            "SELECT organization_scopes.* FROM organization_scopes \
             JOIN organization_role_scope_relations AS grants \
             ON grants.organization_scope_id = organization_scopes.id \
             WHERE grants.organization_role_id = $1 ORDER BY organization_scopes.name",
        )
        .text(role_id);
        let parent = Statement::new(ORGANIZATION_ROLE_EXISTS).text(role_id);
        self.children(parent, select, organization_scope_from_row)
            .await
    }

    async fn add_organization_role_scopes(
        &self,
        role_id: &str,
        scope_ids: &[String],
    ) -> StoreResult<()> {
        self.relate(
            ORGANIZATION_ROLE_EXISTS,
            GRANT_ORGANIZATION_SCOPE,
            role_id,
            scope_ids,
        )
        .await
    }

    async fn remove_organization_role_scope(
        &self,
        role_id: &str,
        scope_id: &str,
    ) -> StoreResult<()> {
        let statement = Statement::new(
            "DELETE FROM organization_role_scope_relations \
             WHERE organization_role_id = $1 AND organization_scope_id = $2",
        )
        .text(role_id)
        .text(scope_id);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn organization_role_resource_scopes(&self, role_id: &str) -> StoreResult<Vec<Scope>> {
        let select = Statement::new(
            "SELECT scopes.* FROM scopes \
             JOIN organization_role_resource_scope_relations AS grants \
             ON grants.scope_id = scopes.id \
             WHERE grants.organization_role_id = $1 ORDER BY scopes.created_at, scopes.seq",
        )
        .text(role_id);
        let parent = Statement::new(ORGANIZATION_ROLE_EXISTS).text(role_id);
        self.children(parent, select, scope_from_row).await
    }

    async fn add_organization_role_resource_scopes(
        &self,
        role_id: &str,
        scope_ids: &[String],
    ) -> StoreResult<()> {
        self.relate(
            ORGANIZATION_ROLE_EXISTS,
            GRANT_RESOURCE_SCOPE,
            role_id,
            scope_ids,
        )
        .await
    }

    async fn remove_organization_role_resource_scope(
        &self,
        role_id: &str,
        scope_id: &str,
    ) -> StoreResult<()> {
        let statement = Statement::new(
            "DELETE FROM organization_role_resource_scope_relations \
             WHERE organization_role_id = $1 AND scope_id = $2",
        )
        .text(role_id)
        .text(scope_id);
        expect_one_row(self.db.execute(statement).await?)
    }

    // --- user members

    async fn add_organization_users(
        &self,
        organization_id: &str,
        user_ids: &[String],
    ) -> StoreResult<()> {
        // In id order, which becomes their join order.
        self.relate(
            ORGANIZATION_EXISTS,
            ADD_USER_MEMBER,
            organization_id,
            user_ids,
        )
        .await
    }

    async fn remove_organization_user(
        &self,
        organization_id: &str,
        user_id: &str,
    ) -> StoreResult<()> {
        // One statement: the member's roles in this organization cascade with the membership.
        expect_one_row(
            self.db
                .execute(USER_MEMBERS.remove(organization_id, user_id))
                .await?,
        )
    }

    async fn organization_users(
        &self,
        organization_id: &str,
        page: Page,
    ) -> StoreResult<Listing<User>> {
        let mut query = ListQuery::new(
            "users.*",
            "users JOIN organization_user_relations \
             ON organization_user_relations.user_id = users.id",
            "organization_user_relations.seq",
        );
        query.and_equals(
            "organization_user_relations.organization_id",
            Param::Text(Some(organization_id.into())),
        );
        let parent = Statement::new(ORGANIZATION_EXISTS).text(organization_id);
        self.list_children(parent, query, page, user_from_row).await
    }

    async fn is_organization_user(
        &self,
        organization_id: &str,
        user_id: &str,
    ) -> StoreResult<bool> {
        let statement = USER_MEMBERS.membership(organization_id, user_id);
        Ok(self.db.fetch_optional(statement).await?.is_some())
    }

    async fn user_organizations(&self, user_id: &str) -> StoreResult<Vec<Organization>> {
        let statement = Statement::new(
            "SELECT organizations.* FROM organizations \
             JOIN organization_user_relations AS members \
             ON members.organization_id = organizations.id \
             WHERE members.user_id = $1 ORDER BY members.seq",
        )
        .text(user_id);
        self.fetch_records(statement, organization_from_row).await
    }

    async fn organization_user_roles(
        &self,
        organization_id: &str,
        user_id: &str,
    ) -> StoreResult<Vec<OrganizationRole>> {
        let statement = USER_MEMBERS.roles(organization_id, user_id);
        self.fetch_records(statement, organization_role_from_row)
            .await
    }

    /// Only roles of type `User`: a `MachineToMachine` role answers `Conflict{field: "type"}`.
    /// A non-member (or unknown organization or user) answers `NotFound`.
    async fn add_organization_user_roles(
        &self,
        organization_id: &str,
        user_id: &str,
        role_ids: &[String],
    ) -> StoreResult<()> {
        self.assign_member_roles(&USER_MEMBERS, organization_id, user_id, role_ids)
            .await
    }

    async fn remove_organization_user_role(
        &self,
        organization_id: &str,
        user_id: &str,
        role_id: &str,
    ) -> StoreResult<()> {
        let statement = USER_MEMBERS.remove_role(organization_id, user_id, role_id);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn user_organization_role_names(
        &self,
        user_id: &str,
    ) -> StoreResult<Vec<(String, String)>> {
        let statement = Statement::new(
            "SELECT held.organization_id, organization_roles.name \
             FROM organization_role_user_relations AS held \
             JOIN organization_roles ON organization_roles.id = held.organization_role_id \
             JOIN organization_user_relations AS members \
             ON members.organization_id = held.organization_id AND members.user_id = held.user_id \
             WHERE held.user_id = $1 ORDER BY members.seq, organization_roles.name",
        )
        .text(user_id);
        let rows = self.db.fetch_all(statement).await?;
        rows.iter()
            .map(|row| Ok((row.text("organization_id")?, row.text("name")?)))
            .collect()
    }

    // --- application members

    /// Only machine-to-machine applications: any other type answers `Conflict{field: "type"}`
    /// and nothing of the call is written.
    async fn add_organization_applications(
        &self,
        organization_id: &str,
        application_ids: &[String],
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        tx.require_row(Statement::new(ORGANIZATION_EXISTS).text(organization_id))
            .await?;
        for application_id in in_id_order(application_ids) {
            let row = tx
                .fetch_optional(
                    Statement::new("SELECT type FROM applications WHERE id = $1")
                        .text(application_id),
                )
                .await?
                .ok_or(StoreError::NotFound)?;
            if row.text("type")? != ApplicationType::MachineToMachine.as_str() {
                return Err(type_conflict());
            }
            tx.execute(
                Statement::new(ADD_APPLICATION_MEMBER)
                    .text(organization_id)
                    .text(application_id),
            )
            .await?;
        }
        tx.commit().await
    }

    async fn remove_organization_application(
        &self,
        organization_id: &str,
        application_id: &str,
    ) -> StoreResult<()> {
        // The application's roles in this organization cascade with the membership.
        let statement = APPLICATION_MEMBERS.remove(organization_id, application_id);
        expect_one_row(self.db.execute(statement).await?)
    }

    async fn organization_applications(
        &self,
        organization_id: &str,
        page: Page,
    ) -> StoreResult<Listing<Application>> {
        let mut query = ListQuery::new(
            "applications.*",
            "applications JOIN organization_application_relations \
             ON organization_application_relations.application_id = applications.id",
            "organization_application_relations.seq",
        );
        query.and_equals(
            "organization_application_relations.organization_id",
            Param::Text(Some(organization_id.into())),
        );
        let parent = Statement::new(ORGANIZATION_EXISTS).text(organization_id);
        self.list_children(parent, query, page, application_from_row)
            .await
    }

    async fn is_organization_application(
        &self,
        organization_id: &str,
        application_id: &str,
    ) -> StoreResult<bool> {
        let statement = APPLICATION_MEMBERS.membership(organization_id, application_id);
        Ok(self.db.fetch_optional(statement).await?.is_some())
    }

    async fn organization_application_roles(
        &self,
        organization_id: &str,
        application_id: &str,
    ) -> StoreResult<Vec<OrganizationRole>> {
        let statement = APPLICATION_MEMBERS.roles(organization_id, application_id);
        self.fetch_records(statement, organization_role_from_row)
            .await
    }

    /// Only roles of type `MachineToMachine`: a `User` role answers `Conflict{field: "type"}`.
    /// A non-member (or unknown organization or application) answers `NotFound`.
    async fn add_organization_application_roles(
        &self,
        organization_id: &str,
        application_id: &str,
        role_ids: &[String],
    ) -> StoreResult<()> {
        self.assign_member_roles(
            &APPLICATION_MEMBERS,
            organization_id,
            application_id,
            role_ids,
        )
        .await
    }

    async fn remove_organization_application_role(
        &self,
        organization_id: &str,
        application_id: &str,
        role_id: &str,
    ) -> StoreResult<()> {
        let statement = APPLICATION_MEMBERS.remove_role(organization_id, application_id, role_id);
        expect_one_row(self.db.execute(statement).await?)
    }

    // --- scope resolution

    async fn user_organization_scopes(
        &self,
        organization_id: &str,
        user_id: &str,
    ) -> StoreResult<Vec<String>> {
        let statement = USER_MEMBERS.scopes(organization_id, user_id);
        self.sorted_names(statement).await
    }

    async fn user_organization_resource_scopes(
        &self,
        organization_id: &str,
        user_id: &str,
        resource_id: &str,
    ) -> StoreResult<Vec<String>> {
        let statement = USER_MEMBERS.resource_scopes(organization_id, user_id, resource_id);
        self.sorted_names(statement).await
    }

    async fn application_organization_scopes(
        &self,
        organization_id: &str,
        application_id: &str,
    ) -> StoreResult<Vec<String>> {
        let statement = APPLICATION_MEMBERS.scopes(organization_id, application_id);
        self.sorted_names(statement).await
    }

    async fn application_organization_resource_scopes(
        &self,
        organization_id: &str,
        application_id: &str,
        resource_id: &str,
    ) -> StoreResult<Vec<String>> {
        let statement =
            APPLICATION_MEMBERS.resource_scopes(organization_id, application_id, resource_id);
        self.sorted_names(statement).await
    }
}
