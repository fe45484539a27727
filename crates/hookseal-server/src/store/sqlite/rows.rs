//! Rows to and from the store's types: columns, sealing and opening.

use super::*;

/// Refuses to change a source the config file declares (`what` says how to).
pub(super) fn api_owned(c: &Connection, name: &str, what: &str) -> Result<()> {
    let from_config: bool = c
        .prepare_cached("SELECT from_config FROM sources WHERE name = ?1")?
        .query_row([name], |r| r.get(0))?;
    if from_config {
        return Err(StoreError::Conflict(format!(
            "source {name} is declared in the config file: {what} there"
        )));
    }
    Ok(())
}

pub(super) const EP_COLS: &str = "id, url, description, event_types, headers, scheme, rate_limit, \
    max_concurrency, enabled, disabled_reason, failing_since, created_at, updated_at, source, \
    from_config, app_id, uid, channels, metadata";

/// Seals an endpoint's custom headers for the `headers` column.
pub(super) fn seal_headers(key: &DataKey, ep: &Endpoint) -> Result<String> {
    use base64::Engine;
    let json = serde_json::to_vec(&ep.headers).map_err(anyhow::Error::from)?;
    let sealed = key.seal(&format!("headers:{}", ep.id), &json);
    Ok(format!(
        "sealed:{}",
        base64::engine::general_purpose::STANDARD.encode(sealed)
    ))
}

/// Opens the `headers` column: sealed, or plain JSON as version 1 stored it.
pub(super) fn open_headers(
    key: &DataKey,
    id: &str,
    text: &str,
) -> anyhow::Result<BTreeMap<String, String>> {
    use base64::Engine;
    match text.strip_prefix("sealed:") {
        Some(b) => {
            let sealed = base64::engine::general_purpose::STANDARD.decode(b)?;
            Ok(serde_json::from_slice(
                &key.open(&format!("headers:{id}"), &sealed)?,
            )?)
        }
        None => Ok(serde_json::from_str(text)?),
    }
}

/// Reads an endpoint row (`EP_COLS`), opening its sealed headers.
pub(super) fn endpoint_row(key: &DataKey) -> impl Fn(&Row<'_>) -> rusqlite::Result<Endpoint> + '_ {
    move |r| endpoint_row_with(key, r)
}

pub(super) fn endpoint_row_with(key: &DataKey, r: &Row<'_>) -> rusqlite::Result<Endpoint> {
    let json = |i: usize| -> rusqlite::Result<String> { r.get(i) };
    let bad = |i, e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    };
    Ok(Endpoint {
        id: r.get(0)?,
        url: r.get(1)?,
        description: r.get(2)?,
        event_types: serde_json::from_str(&json(3)?).map_err(|e| bad(3, e))?,
        headers: {
            let id: String = r.get(0)?;
            open_headers(key, &id, &json(4)?).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, e.into())
            })?
        },
        scheme: serde_json::from_str::<SigningScheme>(&json(5)?)
            .map_err(|e| bad(5, e))?
            .normalized(),
        rate_limit: r.get(6)?,
        max_concurrency: r.get(7)?,
        enabled: r.get(8)?,
        disabled_reason: r.get(9)?,
        failing_since: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        source: r.get(13)?,
        from_config: r.get(14)?,
        app_id: r.get(15)?,
        uid: r.get(16)?,
        channels: match r.get::<_, Option<String>>(17)? {
            Some(j) => Some(serde_json::from_str(&j).map_err(|e| bad(17, e))?),
            None => None,
        },
        metadata: serde_json::from_str(&json(18)?).map_err(|e| bad(18, e))?,
    })
}

/// A JSON column's text, or NULL.
pub(super) fn json_opt<T: Serialize>(v: &Option<T>) -> Result<Option<String>> {
    v.as_ref()
        .map(|v| serde_json::to_string(v).map_err(|e| StoreError::Other(e.into())))
        .transpose()
}

/// A JSON column's text.
pub(super) fn json_text<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Other(e.into()))
}

/// A uniqueness conflict as the API says it, other errors as they are.
pub(super) fn unique_as(e: rusqlite::Error, what: &str) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::Conflict(what.to_string()),
        _ => e.into(),
    }
}

pub(super) const DLV_COLS: &str =
    "id, message_id, endpoint_id, status, attempts, next_attempt_at, \
    last_status_code, created_at, updated_at";

pub(super) fn delivery_row(r: &Row<'_>) -> rusqlite::Result<Delivery> {
    let status: String = r.get(3)?;
    Ok(Delivery {
        id: r.get(0)?,
        message_id: r.get(1)?,
        endpoint_id: r.get(2)?,
        status: DeliveryStatus::parse(&status).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                3,
                rusqlite::types::Type::Text,
                format!("delivery status {status:?}").into(),
            )
        })?,
        attempts: r.get(4)?,
        next_attempt_at: r.get(5)?,
        last_status_code: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

pub(super) const MSG_COLS: &str =
    "id, event_type, payload, created_at, source, webhook_id, content_type, \
    headers, sealed, app_id, event_id, channels";

/// The sealing context of a message's payload and of its inbound headers.
pub(super) fn payload_context(id: &str) -> String {
    format!("payload:{id}")
}
pub(super) fn message_headers_context(id: &str) -> String {
    format!("message-headers:{id}")
}

/// A message's payload and headers as stored: sealed under the data key when
/// `key` is given (`store.encrypt_payloads`), else as they are.
pub(super) fn stored_message(
    key: Option<&DataKey>,
    id: &str,
    payload: &[u8],
    headers: &[(String, String)],
) -> Result<(Vec<u8>, Option<String>)> {
    let headers = if headers.is_empty() {
        None
    } else {
        Some(serde_json::to_string(headers).map_err(anyhow::Error::from)?)
    };
    Ok(match key {
        None => (payload.to_vec(), headers),
        Some(k) => (
            k.seal(&payload_context(id), payload),
            headers.map(|h| {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD
                    .encode(k.seal(&message_headers_context(id), h.as_bytes()))
            }),
        ),
    })
}

/// Reads a message row (`MSG_COLS`), opening what was sealed.
pub(super) fn message_row(key: &DataKey) -> impl Fn(&Row<'_>) -> rusqlite::Result<Message> + '_ {
    move |r| message_row_with(key, r)
}

pub(super) fn message_row_with(key: &DataKey, r: &Row<'_>) -> rusqlite::Result<Message> {
    let conv = |i: usize, e: anyhow::Error| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Blob, e.into())
    };
    let id: String = r.get(0)?;
    let sealed: bool = r.get(8)?;
    let mut payload: Vec<u8> = r.get(2)?;
    let mut headers: Option<String> = r.get(7)?;
    // An emptied body (store_body = false) has nothing to open.
    if sealed && !payload.is_empty() {
        payload = key
            .open(&payload_context(&id), &payload)
            .map_err(|e| conv(2, e))?;
    }
    if sealed {
        if let Some(h) = headers.take() {
            use base64::Engine;
            let raw = base64::engine::general_purpose::STANDARD
                .decode(h)
                .map_err(|e| conv(7, e.into()))?;
            let plain = key
                .open(&message_headers_context(&id), &raw)
                .map_err(|e| conv(7, e))?;
            headers = Some(String::from_utf8(plain).map_err(|e| conv(7, e.into()))?);
        }
    }
    let channels = match r.get::<_, Option<String>>(11)? {
        Some(j) => Some(serde_json::from_str(&j).map_err(|e| conv(11, e.into()))?),
        None => None,
    };
    Ok(Message {
        id,
        app_id: r.get(9)?,
        event_id: r.get(10)?,
        channels,
        event_type: r.get(1)?,
        payload,
        created_at: r.get(3)?,
        source: r.get(4)?,
        webhook_id: r.get(5)?,
        content_type: r.get(6)?,
        headers: match headers {
            Some(h) => serde_json::from_str(&h).map_err(|e| conv(7, e.into()))?,
            None => Vec::new(),
        },
    })
}

/// An attempt from `id, delivery_id, at, status_code, latency_ms,
/// response_body, error, manual`.
pub(super) fn attempt_row(r: &Row<'_>) -> rusqlite::Result<Attempt> {
    Ok(Attempt {
        id: r.get(0)?,
        delivery_id: r.get(1)?,
        at: r.get(2)?,
        status_code: r.get(3)?,
        latency_ms: r.get(4)?,
        response_body: r.get(5)?,
        error: r.get(6)?,
        manual: r.get(7)?,
    })
}

pub(super) fn secrets_of(conn: &Connection, endpoint_id: &str) -> Result<Vec<SealedSecret>> {
    let mut st = conn.prepare_cached(
        "SELECT sealed, created_at, expires_at FROM endpoint_secrets \
         WHERE endpoint_id = ?1 ORDER BY created_at DESC, id DESC",
    )?;
    let rows = st.query_map([endpoint_id], |r| secret_row(r, 0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A sealed secret from `sealed, created_at, expires_at`, starting at column `at`.
pub(super) fn secret_row(r: &Row<'_>, at: usize) -> rusqlite::Result<SealedSecret> {
    Ok(SealedSecret {
        sealed: r.get(at)?,
        created_at: r.get(at + 1)?,
        expires_at: r.get(at + 2)?,
    })
}

pub(super) fn put_endpoint(
    conn: &Connection,
    key: &DataKey,
    ep: &Endpoint,
    insert: bool,
) -> Result<()> {
    invalidate_targets();
    let sql = if insert {
        format!(
            "INSERT INTO endpoints ({EP_COLS}) VALUES \
             (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19)"
        )
    } else {
        "UPDATE endpoints SET url=?2, description=?3, event_types=?4, headers=?5, scheme=?6, \
         rate_limit=?7, max_concurrency=?8, enabled=?9, disabled_reason=?10, failing_since=?11, \
         created_at=?12, updated_at=?13, source=?14, from_config=?15, app_id=?16, uid=?17, \
         channels=?18, metadata=?19 WHERE id=?1"
            .to_string()
    };
    let n = conn
        .execute(
            &sql,
            params![
                ep.id,
                ep.url,
                ep.description,
                json_text(&ep.event_types)?,
                seal_headers(key, ep)?,
                json_text(&ep.scheme)?,
                ep.rate_limit,
                ep.max_concurrency,
                ep.enabled,
                ep.disabled_reason,
                ep.failing_since,
                ep.created_at,
                ep.updated_at,
                ep.source,
                ep.from_config,
                ep.app_id,
                ep.uid,
                json_opt(&ep.channels)?,
                json_text(&ep.metadata)?
            ],
        )
        .map_err(|e| unique_as(e, "an endpoint with that uid exists in the application"))?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
