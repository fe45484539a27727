//! Applications, the event-type catalog, tokens scoped to an application,
//! kept answers to idempotent POSTs, and the per-application lists: the
//! queries, as functions of a connection (the `Store` impl in `mod.rs` runs
//! them on the reader or through the writer).

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{
    attempt_row, delivery_row, endpoint_row, json_opt, json_text, message_row, unique_as, DLV_COLS,
    EP_COLS, MSG_COLS,
};
use crate::crypto::DataKey;
use crate::store::*;

const APP_COLS: &str = "id, uid, name, metadata, rate_limit, created_at, updated_at";

fn app_row(r: &Row<'_>) -> rusqlite::Result<Application> {
    let metadata: String = r.get(3)?;
    Ok(Application {
        id: r.get(0)?,
        uid: r.get(1)?,
        name: r.get(2)?,
        metadata: serde_json::from_str(&metadata).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e))
        })?,
        rate_limit: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

/// `(condition on id, its argument, ORDER BY)` for a page over `col`.
fn page_clause(col: &str, page: &Page) -> (String, String) {
    let (cmp, dir) = match page.order {
        Order::Ascending => (">", "ASC"),
        Order::Descending => ("<", "DESC"),
    };
    let cond = if page.after.is_some() {
        format!("{col} {cmp} :after")
    } else {
        "1".into()
    };
    (cond, format!("ORDER BY {col} {dir}"))
}

pub(super) fn insert_application(c: &Connection, app: &Application) -> Result<()> {
    c.execute(
        &format!("INSERT INTO applications ({APP_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        params![
            app.id,
            app.uid,
            app.name,
            json_text(&app.metadata)?,
            app.rate_limit,
            app.created_at,
            app.updated_at
        ],
    )
    .map_err(|e| unique_as(e, "an application with that id or uid already exists"))?;
    Ok(())
}

pub(super) fn update_application(c: &Connection, app: &Application) -> Result<()> {
    let n = c
        .execute(
            "UPDATE applications SET uid = ?2, name = ?3, metadata = ?4, rate_limit = ?5, \
             updated_at = ?6 WHERE id = ?1",
            params![
                app.id,
                app.uid,
                app.name,
                json_text(&app.metadata)?,
                app.rate_limit,
                app.updated_at
            ],
        )
        .map_err(|e| unique_as(e, "an application with that uid already exists"))?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(super) fn get_application(c: &Connection, id_or_uid: &str) -> Result<Application> {
    Ok(c.prepare_cached(&format!(
        "SELECT {APP_COLS} FROM applications WHERE id = ?1 \
             UNION ALL SELECT {APP_COLS} FROM applications WHERE uid = ?1 LIMIT 1"
    ))?
    .query_row([id_or_uid], app_row)?)
}

pub(super) fn list_applications(c: &Connection, page: &Page) -> Result<Vec<Application>> {
    let (cond, order) = page_clause("id", page);
    let mut st = c.prepare_cached(&format!(
        "SELECT {APP_COLS} FROM applications WHERE {cond} {order} LIMIT :limit"
    ))?;
    let rows = match &page.after {
        Some(a) => st.query_map(
            rusqlite::named_params! {":after": a, ":limit": page.limit},
            app_row,
        )?,
        None => st.query_map(rusqlite::named_params! {":limit": page.limit}, app_row)?,
    };
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deletes an application and everything of it; the endpoints' deliveries
/// and secrets go with them (foreign keys), messages' deliveries likewise.
pub(super) fn delete_application(c: &Connection, id: &str) -> Result<()> {
    c.execute("DELETE FROM endpoints WHERE app_id = ?1", [id])?;
    c.execute("DELETE FROM messages WHERE app_id = ?1", [id])?;
    c.execute("DELETE FROM app_tokens WHERE app_id = ?1", [id])?;
    if c.execute("DELETE FROM applications WHERE id = ?1", [id])? == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(super) fn list_endpoints(
    c: &Connection,
    key: &DataKey,
    app_id: Option<&str>,
    page: &Page,
) -> Result<Vec<Endpoint>> {
    let (cond, order) = page_clause("id", page);
    let app = if app_id.is_some() {
        "app_id = :app"
    } else {
        "1"
    };
    let mut st = c.prepare_cached(&format!(
        "SELECT {EP_COLS} FROM endpoints WHERE {app} AND {cond} {order} LIMIT :limit"
    ))?;
    let mut args: Vec<(&str, &dyn rusqlite::ToSql)> = vec![(":limit", &page.limit)];
    if let Some(a) = &app_id {
        args.push((":app", a));
    }
    if let Some(a) = &page.after {
        args.push((":after", a));
    }
    let rows = st.query_map(args.as_slice(), endpoint_row(key))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn get_app_endpoint(
    c: &Connection,
    key: &DataKey,
    app_id: &str,
    id_or_uid: &str,
) -> Result<Endpoint> {
    Ok(c.prepare_cached(&format!(
        "SELECT {EP_COLS} FROM endpoints WHERE app_id = ?1 AND (id = ?2 OR uid = ?2) \
             ORDER BY id = ?2 DESC LIMIT 1"
    ))?
    .query_row(params![app_id, id_or_uid], endpoint_row(key))?)
}

/// The conditions and arguments of a message filter on `messages` (as `m`).
/// (`types` is a `&String`: a `&str` cannot be a `&dyn ToSql`.)
#[allow(clippy::ptr_arg)]
fn message_conditions<'a>(
    f: &'a MessageFilter,
    types: &'a String,
    conds: &mut Vec<String>,
    args: &mut Vec<(&'static str, &'a dyn rusqlite::ToSql)>,
) {
    if let Some(a) = &f.page.after {
        conds.push(match f.page.order {
            Order::Descending => "m.id < :after".into(),
            Order::Ascending => "m.id > :after".into(),
        });
        args.push((":after", a));
    }
    if let Some(b) = &f.before {
        conds.push("m.created_at < :before".into());
        args.push((":before", b));
    }
    if let Some(a) = &f.after {
        conds.push("m.created_at > :since".into());
        args.push((":since", a));
    }
    if !f.event_types.is_empty() {
        conds.push("m.event_type IN (SELECT value FROM json_each(:types))".into());
        args.push((":types", types));
    }
    if let Some(ch) = &f.channel {
        conds.push("EXISTS (SELECT 1 FROM json_each(m.channels) WHERE value = :channel)".into());
        args.push((":channel", ch));
    }
}

fn direction(order: Order) -> &'static str {
    match order {
        Order::Ascending => "ASC",
        Order::Descending => "DESC",
    }
}

pub(super) fn list_app_messages(
    c: &Connection,
    key: &DataKey,
    app_id: &str,
    f: &MessageFilter,
) -> Result<Vec<Message>> {
    // Ids sort by creation time.
    let types = serde_json::to_string(&f.event_types).map_err(anyhow::Error::from)?;
    let mut conds = vec!["m.app_id = :app".to_string()];
    let mut args: Vec<(&str, &dyn rusqlite::ToSql)> =
        vec![(":app", &app_id), (":limit", &f.page.limit)];
    message_conditions(f, &types, &mut conds, &mut args);
    let cols = MSG_COLS
        .split(", ")
        .map(|c| format!("m.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut st = c.prepare_cached(&format!(
        "SELECT {cols} FROM messages m WHERE {} ORDER BY m.id {} LIMIT :limit",
        conds.join(" AND "),
        direction(f.page.order)
    ))?;
    let rows = st.query_map(args.as_slice(), message_row(key))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The deliveries to an endpoint that were attempted, by message id, with
/// their messages.
pub(super) fn endpoint_messages(
    c: &Connection,
    key: &DataKey,
    endpoint_id: &str,
    f: &MessageFilter,
) -> Result<Vec<(Delivery, Message)>> {
    let types = serde_json::to_string(&f.event_types).map_err(anyhow::Error::from)?;
    let mut conds = vec![
        "d.endpoint_id = :ep".to_string(),
        "d.attempts > 0".to_string(),
    ];
    let mut args: Vec<(&str, &dyn rusqlite::ToSql)> =
        vec![(":ep", &endpoint_id), (":limit", &f.page.limit)];
    message_conditions(f, &types, &mut conds, &mut args);
    let cols = DLV_COLS
        .split(", ")
        .map(|c| format!("d.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut st = c.prepare_cached(&format!(
        "SELECT {cols} FROM deliveries d JOIN messages m ON m.id = d.message_id \
         WHERE {} ORDER BY m.id {} LIMIT :limit",
        conds.join(" AND "),
        direction(f.page.order)
    ))?;
    let ds: Vec<Delivery> = st
        .query_map(args.as_slice(), delivery_row)?
        .collect::<rusqlite::Result<_>>()?;
    let mut msg = c.prepare_cached(&format!("SELECT {MSG_COLS} FROM messages WHERE id = ?1"))?;
    ds.into_iter()
        .map(|d| {
            let m = msg.query_row([&d.message_id], message_row(key))?;
            Ok((d, m))
        })
        .collect()
}

/// A message's deliveries to its application's endpoints, by endpoint id,
/// with their endpoints.
pub(super) fn message_destinations(
    c: &Connection,
    key: &DataKey,
    app_id: &str,
    message_id: &str,
    page: &Page,
) -> Result<Vec<(Delivery, Endpoint)>> {
    let (cmp, dir) = match page.order {
        Order::Ascending => (">", "ASC"),
        Order::Descending => ("<", "DESC"),
    };
    let cols = DLV_COLS
        .split(", ")
        .map(|c| format!("d.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut st = c.prepare_cached(&format!(
        "SELECT {cols} FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id \
         WHERE d.message_id = ?1 AND e.app_id = ?2 AND (?3 IS NULL OR d.endpoint_id {cmp} ?3) \
         ORDER BY d.endpoint_id {dir} LIMIT ?4"
    ))?;
    let ds: Vec<Delivery> = st
        .query_map(
            params![message_id, app_id, page.after, page.limit],
            delivery_row,
        )?
        .collect::<rusqlite::Result<_>>()?;
    let mut ep = c.prepare_cached(&format!("SELECT {EP_COLS} FROM endpoints WHERE id = ?1"))?;
    ds.into_iter()
        .map(|d| {
            let e = ep.query_row([&d.endpoint_id], endpoint_row(key))?;
            Ok((d, e))
        })
        .collect()
}

pub(super) fn get_app_message(
    c: &Connection,
    key: &DataKey,
    app_id: &str,
    id_or_event_id: &str,
) -> Result<Message> {
    Ok(c.prepare_cached(&format!(
        "SELECT {MSG_COLS} FROM messages WHERE app_id = ?1 AND id = ?2 \
             UNION ALL SELECT {MSG_COLS} FROM messages WHERE app_id = ?1 AND event_id = ?2 LIMIT 1"
    ))?
    .query_row(params![app_id, id_or_event_id], message_row(key))?)
}

pub(super) fn list_attempts(
    c: &Connection,
    of: &AttemptsOf,
    f: &AttemptFilter,
) -> Result<Vec<AttemptView>> {
    let (by, app, id) = match of {
        AttemptsOf::Message { app_id, message_id } => ("d.message_id", app_id, message_id),
        AttemptsOf::Endpoint {
            app_id,
            endpoint_id,
        } => ("d.endpoint_id", app_id, endpoint_id),
    };
    let after: Option<i64> = match &f.page.after {
        Some(a) => Some(a.parse().map_err(|_| {
            StoreError::Invalid(format!("iterator: {a:?} is not an attempt's position"))
        })?),
        None => None,
    };
    let types = serde_json::to_string(&f.event_types).map_err(anyhow::Error::from)?;
    let mut conds = vec![format!("{by} = :id"), "e.app_id = :app".to_string()];
    let mut args: Vec<(&str, &dyn rusqlite::ToSql)> =
        vec![(":id", id), (":app", app), (":limit", &f.page.limit)];
    if let Some(a) = &after {
        conds.push(match f.page.order {
            Order::Descending => "a.id < :after".into(),
            Order::Ascending => "a.id > :after".into(),
        });
        args.push((":after", a));
    }
    match f.succeeded {
        Some(true) => conds.push("a.error IS NULL AND a.status_code BETWEEN 200 AND 299".into()),
        Some(false) => conds.push(
            "NOT (a.error IS NULL AND coalesce(a.status_code, 0) BETWEEN 200 AND 299)".into(),
        ),
        None => {}
    }
    if let Some(class) = &f.status_class {
        conds.push("coalesce(a.status_code, 0) BETWEEN :class AND :class + 99".into());
        args.push((":class", class));
    }
    if let Some(e) = &f.endpoint_id {
        conds.push("d.endpoint_id = :ep".into());
        args.push((":ep", e));
    }
    if let Some(b) = &f.before {
        conds.push("a.at < :before".into());
        args.push((":before", b));
    }
    if let Some(a) = &f.after {
        conds.push("a.at > :since".into());
        args.push((":since", a));
    }
    if let Some(a) = &f.attempt_id {
        conds.push("a.id = :attempt".into());
        args.push((":attempt", a));
    }
    if !f.event_types.is_empty() || f.channel.is_some() {
        conds.push("m.id = d.message_id".into());
        if !f.event_types.is_empty() {
            conds.push("m.event_type IN (SELECT value FROM json_each(:types))".into());
            args.push((":types", &types));
        }
        if let Some(ch) = &f.channel {
            conds
                .push("EXISTS (SELECT 1 FROM json_each(m.channels) WHERE value = :channel)".into());
            args.push((":channel", ch));
        }
    }
    let messages = if !f.event_types.is_empty() || f.channel.is_some() {
        ", messages m"
    } else {
        ""
    };
    let mut st = c.prepare_cached(&format!(
        "SELECT a.id, a.delivery_id, a.at, a.status_code, a.latency_ms, a.response_body, a.error, \
         a.manual, d.message_id, d.endpoint_id, e.url \
         FROM deliveries d JOIN attempts a ON a.delivery_id = d.id \
         JOIN endpoints e ON e.id = d.endpoint_id{messages} \
         WHERE {} ORDER BY a.id {} LIMIT :limit",
        conds.join(" AND "),
        direction(f.page.order)
    ))?;
    let rows = st.query_map(args.as_slice(), |r| {
        Ok(AttemptView {
            attempt: attempt_row(r)?,
            message_id: r.get(8)?,
            endpoint_id: r.get(9)?,
            url: r.get(10)?,
            manual: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const ET_COLS: &str =
    "name, description, archived, deprecated, schemas, feature_flag, created_at, updated_at";

fn event_type_row(r: &Row<'_>) -> rusqlite::Result<EventType> {
    let schemas: Option<String> = r.get(4)?;
    Ok(EventType {
        name: r.get(0)?,
        description: r.get(1)?,
        archived: r.get(2)?,
        deprecated: r.get(3)?,
        schemas: match schemas {
            Some(s) => Some(serde_json::from_str(&s).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    4,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?),
            None => None,
        },
        feature_flag: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

pub(super) fn get_event_type(c: &Connection, name: &str) -> Result<EventType> {
    Ok(c.prepare_cached(&format!(
        "SELECT {ET_COLS} FROM event_types WHERE name = ?1"
    ))?
    .query_row([name], event_type_row)?)
}

pub(super) fn put_event_type(
    c: &Connection,
    et: &EventType,
    create: bool,
) -> Result<(EventType, bool)> {
    let existing = c
        .prepare_cached(&format!(
            "SELECT {ET_COLS} FROM event_types WHERE name = ?1"
        ))?
        .query_row([&et.name], event_type_row)
        .optional()?;
    if create && existing.as_ref().is_some_and(|e| !e.archived) {
        return Err(StoreError::Conflict(
            "an event type with this name already exists".into(),
        ));
    }
    let created_at = existing.as_ref().map_or(et.created_at, |e| e.created_at);
    c.execute(
        &format!(
            "INSERT INTO event_types ({ET_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (name) DO UPDATE SET description = excluded.description, \
             archived = excluded.archived, deprecated = excluded.deprecated, \
             schemas = excluded.schemas, feature_flag = excluded.feature_flag, \
             updated_at = excluded.updated_at"
        ),
        params![
            et.name,
            et.description,
            et.archived,
            et.deprecated,
            json_opt(&et.schemas)?,
            et.feature_flag,
            created_at,
            et.updated_at
        ],
    )?;
    Ok((
        EventType {
            created_at,
            ..et.clone()
        },
        existing.is_none(),
    ))
}

pub(super) fn list_event_types(
    c: &Connection,
    page: &Page,
    include_archived: bool,
) -> Result<Vec<EventType>> {
    let (cond, order) = page_clause("name", page);
    let archived = if include_archived {
        "1"
    } else {
        "archived = 0"
    };
    let mut st = c.prepare_cached(&format!(
        "SELECT {ET_COLS} FROM event_types WHERE {archived} AND {cond} {order} LIMIT :limit"
    ))?;
    let rows = match &page.after {
        Some(a) => st.query_map(
            rusqlite::named_params! {":after": a, ":limit": page.limit},
            event_type_row,
        )?,
        None => st.query_map(
            rusqlite::named_params! {":limit": page.limit},
            event_type_row,
        )?,
    };
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn delete_event_type(c: &Connection, name: &str, expunge: bool, now: i64) -> Result<()> {
    let n = if expunge {
        c.execute("DELETE FROM event_types WHERE name = ?1", [name])?
    } else {
        c.execute(
            "UPDATE event_types SET archived = 1, updated_at = ?2 WHERE name = ?1",
            params![name, now],
        )?
    };
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(super) fn active_event_types(c: &Connection, names: &[String]) -> Result<Vec<String>> {
    let mut st = c.prepare_cached(
        "SELECT name FROM event_types WHERE archived = 0 \
         AND name IN (SELECT value FROM json_each(?1))",
    )?;
    let list = serde_json::to_string(names).map_err(anyhow::Error::from)?;
    let rows = st.query_map([list], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const TOKEN_COLS: &str = "id, app_id, description, created_at, expires_at, revoked_at";

fn token_row(r: &Row<'_>) -> rusqlite::Result<AppToken> {
    Ok(AppToken {
        id: r.get(0)?,
        app_id: r.get(1)?,
        description: r.get(2)?,
        created_at: r.get(3)?,
        expires_at: r.get(4)?,
        revoked_at: r.get(5)?,
    })
}

pub(super) fn create_token(c: &Connection, t: &AppToken, hash: &[u8; 32]) -> Result<()> {
    let app: Option<i64> = c
        .prepare_cached("SELECT 1 FROM applications WHERE id = ?1")?
        .query_row([&t.app_id], |r| r.get(0))
        .optional()?;
    if app.is_none() {
        return Err(StoreError::NotFound);
    }
    c.execute(
        &format!("INSERT INTO app_tokens ({TOKEN_COLS}, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        params![
            t.id,
            t.app_id,
            t.description,
            t.created_at,
            t.expires_at,
            t.revoked_at,
            &hash[..]
        ],
    )?;
    Ok(())
}

pub(super) fn find_token(c: &Connection, hash: &[u8; 32]) -> Result<Option<AppToken>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {TOKEN_COLS} FROM app_tokens WHERE hash = ?1"
    ))?
    .query_row([&hash[..]], token_row)
    .optional()?)
}

pub(super) fn list_tokens(c: &Connection, app_id: &str) -> Result<Vec<AppToken>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {TOKEN_COLS} FROM app_tokens WHERE app_id = ?1 ORDER BY created_at, id"
    ))?;
    let rows = st.query_map([app_id], token_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn revoke_token(c: &Connection, app_id: &str, id: &str, now: i64) -> Result<()> {
    let n = c.execute(
        "UPDATE app_tokens SET revoked_at = coalesce(revoked_at, ?3) WHERE app_id = ?1 AND id = ?2",
        params![app_id, id, now],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(super) fn idempotent_answer(
    c: &Connection,
    key: &[u8; 32],
    since: i64,
) -> Result<Option<KeptAnswer>> {
    let row: Option<(Vec<u8>, u16, Vec<u8>)> = c
        .prepare_cached(
            "SELECT request, status, body FROM idempotency WHERE key = ?1 AND created_at >= ?2",
        )?
        .query_row(params![&key[..], since], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    Ok(row.map(|(request, status, body)| KeptAnswer {
        request: request.try_into().unwrap_or([0; 32]),
        status,
        body,
    }))
}

pub(super) fn keep_answer(c: &Connection, key: &[u8; 32], a: &KeptAnswer, now: i64) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO idempotency (key, request, status, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (key) DO UPDATE SET request = excluded.request, status = excluded.status, \
         body = excluded.body, created_at = excluded.created_at",
    )?
    .execute(params![&key[..], &a.request[..], a.status, a.body, now])?;
    Ok(())
}
