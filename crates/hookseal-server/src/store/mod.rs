//! The store: endpoints, their sealed secrets, messages, and the delivery queue.
//!
//! [`Store`] is the seam between the server and its database. The queue lives
//! here too: workers *claim* due deliveries with a lease, so a worker that dies
//! mid-attempt loses nothing — its deliveries become due again when the lease
//! runs out. Every method is synchronous and may block; the server calls them
//! from blocking threads.

pub mod sqlite;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::signing::SigningScheme;

/// The application (a provider's customer) objects belong to when none is
/// named: where everything created before applications existed went.
pub const DEFAULT_APP: &str = "app_default";

/// A provider's customer: its endpoints receive only its messages.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Application {
    pub id: String,
    /// The provider's own id for this customer (unique; usable wherever
    /// the id is).
    pub uid: Option<String>,
    pub name: String,
    pub metadata: BTreeMap<String, String>,
    /// Deliveries per second to all its endpoints together, if limited.
    pub rate_limit: Option<u32>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An entry of the event-type catalog.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct EventType {
    pub name: String,
    pub description: String,
    /// Archived types stay readable but cannot be subscribed to.
    pub archived: bool,
    pub deprecated: bool,
    /// JSON Schemas of its payload, by version (`{"1": {...}}`).
    #[schema(value_type = Option<Object>)]
    pub schemas: Option<serde_json::Value>,
    pub feature_flag: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A token scoped to one application (its hash is stored, never the token).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AppToken {
    pub id: String,
    pub app_id: String,
    pub description: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// An answer kept for an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptAnswer {
    /// SHA-256 of the request's body: the same key with another body is
    /// another request.
    pub request: [u8; 32],
    pub status: u16,
    pub body: Vec<u8>,
}

/// Which way a page of a list runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    Ascending,
    Descending,
}

/// A page of a list ordered by id (or name): at most `limit` items after
/// `after` (the last item of the previous page) in `order`.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub limit: i64,
    pub after: Option<String>,
    pub order: Order,
}

/// Whose attempts to list.
#[derive(Debug, Clone)]
pub enum AttemptsOf {
    /// A message's (in its application).
    Message { app_id: String, message_id: String },
    /// An endpoint's (in its application).
    Endpoint { app_id: String, endpoint_id: String },
}

/// Which attempts to list (newest first, unless the page runs ascending).
#[derive(Debug, Clone, Default)]
pub struct AttemptFilter {
    /// `after` is an attempt's id (its number).
    pub page: Page,
    /// Only succeeded (true) or failed (false) attempts.
    pub succeeded: Option<bool>,
    /// Only those whose status code is in `[class, class + 99]` (0: no
    /// response).
    pub status_class: Option<i64>,
    /// Only those to this endpoint (an id).
    pub endpoint_id: Option<String>,
    /// Only attempts made before / after these times (ms).
    pub before: Option<i64>,
    pub after: Option<i64>,
    /// Only attempts of messages of these types / on this channel.
    pub event_types: Vec<String>,
    pub channel: Option<String>,
    /// Only this attempt.
    pub attempt_id: Option<i64>,
}

/// Which messages of an application to list (newest first, unless the page
/// runs ascending).
#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    pub page: Page,
    /// Only these event types (exact), if any.
    pub event_types: Vec<String>,
    /// Only messages on this channel.
    pub channel: Option<String>,
    /// Created before / after these times (ms).
    pub before: Option<i64>,
    pub after: Option<i64>,
}

/// One attempt, with what an API shows of it.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptView {
    pub attempt: Attempt,
    pub message_id: String,
    pub endpoint_id: String,
    pub url: String,
    pub manual: bool,
}

/// A destination.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Endpoint {
    pub id: String,
    /// The application it belongs to (empty for a source's forward, which
    /// belongs to the operator).
    #[serde(default = "default_app", skip_serializing_if = "String::is_empty")]
    pub app_id: String,
    /// The provider's own id for it (unique in its application).
    #[serde(default)]
    pub uid: Option<String>,
    /// The channels it takes: a message reaches it only if they share one.
    /// Null: every message, channels or not.
    #[serde(default)]
    pub channels: Option<Vec<String>>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    pub url: String,
    pub description: String,
    /// Event types delivered: exact (`invoice.paid`) or wildcard (`invoice.*`, `*`).
    /// Empty means every event.
    pub event_types: Vec<String>,
    /// Headers sent with every delivery (a subscription's shared custom header).
    pub headers: BTreeMap<String, String>,
    pub scheme: SigningScheme,
    /// Deliveries per second, if limited.
    pub rate_limit: Option<u32>,
    /// Concurrent deliveries, if limited.
    pub max_concurrency: Option<u32>,
    pub enabled: bool,
    /// The inbound source whose events this endpoint forwards (it then receives
    /// those and no published messages).
    #[serde(default)]
    pub source: Option<String>,
    /// Declared in the config file (a source's `forward`): only such an
    /// endpoint may reach `ingress.forward_allow_cidrs`, and the API cannot
    /// change its shape (the config file is its source of truth).
    #[serde(default)]
    pub from_config: bool,
    pub disabled_reason: Option<String>,
    /// When continuous failure started (ms), if failing.
    pub failing_since: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A change applied to an endpoint inside the write transaction.
pub type EndpointChange = Box<dyn FnOnce(&mut Endpoint) -> Result<()> + Send>;

/// A sealed endpoint secret.
#[derive(Debug, Clone)]
pub struct SealedSecret {
    pub sealed: Vec<u8>,
    pub created_at: i64,
    /// When it stops signing (set when rotated out).
    pub expires_at: Option<i64>,
}

fn default_app() -> String {
    DEFAULT_APP.into()
}

/// A published message or an inbound event.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Message {
    pub id: String,
    /// Published messages: their application.
    pub app_id: Option<String>,
    /// Published messages: the publisher's id (idempotency, per application).
    pub event_id: Option<String>,
    /// Published messages: their channels.
    pub channels: Option<Vec<String>>,
    pub event_type: String,
    #[serde(skip)]
    pub payload: Vec<u8>,
    pub created_at: i64,
    /// Inbound events: the source.
    pub source: Option<String>,
    /// Inbound events: the provider's id, sent as `webhook-id` when forwarded.
    pub webhook_id: Option<String>,
    /// Inbound events: the provider's content type.
    pub content_type: Option<String>,
    /// Inbound events whose source passes headers on: the provider's headers.
    #[serde(skip)]
    pub headers: Vec<(String, String)>,
}

impl Message {
    /// The id receivers see (`webhook-id`).
    pub fn webhook_id(&self) -> &str {
        self.webhook_id.as_deref().unwrap_or(&self.id)
    }
}

/// A verified inbound request to store and forward.
#[derive(Debug, Clone)]
pub struct InboundEvent {
    pub source: String,
    /// The provider's event type (or `inbound.<source>` without one).
    pub event_type: String,
    /// Replay protection for this event, if its source has any.
    pub dedup: Option<Dedup>,
    pub webhook_id: Option<String>,
    pub content_type: Option<String>,
    pub headers: Vec<(String, String)>,
    pub payload: Vec<u8>,
    /// Empty the payload once every delivery succeeded.
    pub drop_body: bool,
}

/// An inbound event's replay key.
#[derive(Debug, Clone)]
pub struct Dedup {
    /// The signed id, the signature's fingerprint, or the body's digest.
    pub key: String,
    /// Until when (ms) the key is remembered.
    pub until: i64,
    /// SHA-256 of the body: tells a provider's retry of an accepted event
    /// (same key, same body) from a replay under a used key (another body).
    pub digest: [u8; 32],
}

/// What [`Store::ingest`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// Stored (and fanned out to this many endpoints).
    Accepted {
        message_id: String,
        deliveries: usize,
    },
    /// The key was accepted inside its window with the same body: a retry of
    /// an event already stored. Nothing stored again.
    Duplicate { message_id: String },
    /// The key was accepted inside its window with another body: nothing stored.
    Replayed { message_id: String },
}

/// One refused inbound request (metadata only).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RejectionRecord {
    pub at: i64,
    pub source: String,
    pub reason: String,
    pub status: u16,
    pub remote_ip: Option<String>,
    pub detail: String,
}

/// A stored source: its sealed definition and secrets.
#[derive(Debug, Clone)]
pub struct SourceRow {
    pub name: String,
    pub sealed_def: Vec<u8>,
    pub from_config: bool,
    pub secrets: Vec<SealedSecret>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An endpoint declared in the config file for a source, with the secret the
/// config gives it (None: keep the stored one, or generate one when new).
#[derive(Debug, Clone)]
pub struct ConfigEndpoint {
    pub endpoint: Endpoint,
    pub secret: Option<SealedSecret>,
    pub generated: SealedSecret,
}

/// What applying the config file's sources changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigSync {
    /// Config sources no longer declared, removed.
    pub removed_sources: Vec<String>,
    /// Config endpoints no longer declared, removed.
    pub removed_endpoints: Vec<String>,
    /// Endpoints declared for the first time.
    pub added_endpoints: Vec<String>,
    /// Endpoints whose declared fields changed: (id, the fields' names).
    pub changed_endpoints: Vec<(String, Vec<&'static str>)>,
}

impl Endpoint {
    /// The fields the config file declares that differ between `self` and
    /// `declared` (header values are compared, never shown).
    pub fn declared_changes(&self, declared: &Endpoint) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut cmp = |name, differs: bool| {
            if differs {
                out.push(name)
            }
        };
        cmp("url", self.url != declared.url);
        cmp("description", self.description != declared.description);
        cmp("event_types", self.event_types != declared.event_types);
        cmp("headers", self.headers != declared.headers);
        cmp("scheme", self.scheme != declared.scheme);
        cmp("rate_limit", self.rate_limit != declared.rate_limit);
        cmp(
            "max_concurrency",
            self.max_concurrency != declared.max_concurrency,
        );
        cmp("source", self.source != declared.source);
        out
    }
}

/// What the retention sweep removes.
#[derive(Debug, Clone, Default)]
pub struct SweepPlan {
    /// Per source: events created before this time (ms) are deleted once none of
    /// their deliveries is pending.
    pub purge_before: Vec<(String, i64)>,
    /// Rejection audit rows kept.
    pub audit_max_rows: i64,
    /// Rejection audit rows older than this (ms) are deleted.
    pub audit_before: i64,
    /// Events of sources that no longer exist, created before this (ms), are deleted.
    pub orphans_before: i64,
    /// Answers to idempotent POSTs kept before this (ms) are deleted.
    pub idempotency_before: i64,
    /// At most this many rows of each kind (events of every source together)
    /// in one call: a call is one transaction, during which the writer
    /// commits nothing else. 0 means no limit.
    pub step: i64,
}

/// What the sweep removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepStats {
    pub dedup_expired: i64,
    pub events_purged: i64,
    pub audit_deleted: i64,
    /// Some kind reached the step's limit: call again for the rest.
    pub more: bool,
}

impl SweepStats {
    /// Adds up the steps of one sweep.
    pub fn add(&mut self, step: &SweepStats) {
        self.dedup_expired += step.dedup_expired;
        self.events_purged += step.events_purged;
        self.audit_deleted += step.audit_deleted;
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for an attempt (or a retry).
    Pending,
    /// An attempt got a 2xx.
    Succeeded,
    /// No more attempts: the schedule ran out, or the endpoint was disabled.
    Failed,
}

impl DeliveryStatus {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// From the stored text.
    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        match s {
            "pending" => Some(DeliveryStatus::Pending),
            "succeeded" => Some(DeliveryStatus::Succeeded),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }
}

/// One message to one endpoint.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: String,
    pub message_id: String,
    pub endpoint_id: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_status_code: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One HTTP attempt of a delivery.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attempt {
    pub id: i64,
    pub delivery_id: String,
    pub at: i64,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub response_body: Option<String>,
    pub error: Option<String>,
    /// Asked for by an operator (a resend or a recover), not the schedule.
    #[serde(default)]
    pub manual: bool,
}

/// A delivery leased to a worker, with what it needs to send.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: Delivery,
    /// When the lease ends (ms): after it, another worker may claim the delivery.
    pub lease_until: i64,
    pub endpoint: Endpoint,
    pub secrets: Vec<SealedSecret>,
    pub message: Message,
    /// The endpoint's application's rate limit (all its endpoints together).
    pub app_rate_limit: Option<u32>,
    /// Asked for by an operator (a resend or a recover), not the schedule.
    pub manual: bool,
}

/// What happened on an attempt, and what follows.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    /// The delivery's attempt count when it was claimed: the record applies only
    /// if nothing else (a re-claim after the lease ran out) recorded since.
    pub claimed_attempts: i64,
    /// The delivery's endpoint and message.
    pub endpoint_id: String,
    pub message_id: String,
    pub at: i64,
    pub status_code: Option<u16>,
    pub latency_ms: i64,
    pub response_body: Option<String>,
    pub error: Option<String>,
    pub next: Next,
    /// Asked for by an operator (a resend or a recover).
    pub manual: bool,
}

/// The delivery's next state.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Delivered.
    Succeeded,
    /// Try again at this time (ms).
    RetryAt(i64),
    /// No more attempts.
    Failed,
    /// The endpoint said it is gone (410): disable it and fail its pending deliveries.
    DisableEndpoint(String),
}

/// Which deliveries [`Store::list_deliveries`] returns.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
    pub endpoint_id: Option<String>,
    /// Only those to this application's endpoints.
    pub app_id: Option<String>,
    /// Changed before this time (ms): the next page.
    pub before: Option<i64>,
    pub limit: i64,
}

/// Queue figures for metrics.
#[derive(Debug, Clone, Default)]
pub struct QueueStats {
    pub pending: i64,
    pub oldest_due_ms: Option<i64>,
    pub disabled_endpoints: i64,
}

/// A new message to publish.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// The new message's id (`msg_…`).
    pub id: String,
    /// Its application, by id or uid (NotFound if there is none).
    pub app_id: String,
    /// The publisher's id: a second publish with it returns the first message.
    pub event_id: Option<String>,
    pub event_type: String,
    pub payload: Vec<u8>,
    pub channels: Option<Vec<String>>,
}

/// Errors the API maps to statuses.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// The change is not valid (the message says why).
    #[error("{0}")]
    Invalid(String),
    /// Well-formed, but a policy forbids it (an endpoint's destination).
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
            e => StoreError::Other(e.into()),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The answer to a write, delivered once its transaction has committed. Await
/// it from async code (no thread is blocked while the commit happens), or
/// [`Ticket::wait`] for it from synchronous code.
pub struct Ticket<T>(tokio::sync::oneshot::Receiver<Result<T>>);

impl<T> Ticket<T> {
    /// A ticket and the sender that completes it.
    pub fn new() -> (tokio::sync::oneshot::Sender<Result<T>>, Ticket<T>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        (tx, Ticket(rx))
    }

    /// An already-completed ticket.
    pub fn ready(r: Result<T>) -> Ticket<T> {
        let (tx, t) = Ticket::new();
        let _ = tx.send(r);
        t
    }

    /// Blocks until the write commits (not from inside an async runtime).
    pub fn wait(self) -> Result<T> {
        self.0.blocking_recv().unwrap_or_else(|_| {
            Err(StoreError::Other(anyhow::anyhow!(
                "the store's writer has stopped"
            )))
        })
    }
}

impl<T> std::future::Future for Ticket<T> {
    type Output = Result<T>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<T>> {
        std::pin::Pin::new(&mut self.0).poll(cx).map(|r| {
            r.unwrap_or_else(|_| {
                Err(StoreError::Other(anyhow::anyhow!(
                    "the store's writer has stopped"
                )))
            })
        })
    }
}

/// Hands deliveries created by a publish or an ingest straight to the delivery
/// engine once their transaction has committed, instead of leaving them for
/// the engine to claim from the queue: such a delivery is inserted already
/// leased (for `lease_ms`), so no other claim takes it, and the engine gets
/// it — with its endpoint, secrets and message — without a claim's write and
/// reads. If the process dies first, the lease runs out and the delivery is
/// claimed like any other: at least once, never lost.
///
/// At most `cap` deliveries wait in the hand-off at once; past that, new
/// deliveries are queued unleased and claimed as before (and `wake` tells
/// the engine so).
#[derive(Clone)]
pub struct Handoff {
    tx: tokio::sync::mpsc::UnboundedSender<Claimed>,
    queued: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    cap: usize,
    /// How long a handed-off delivery is leased (ms).
    pub lease_ms: i64,
    /// Woken when deliveries were queued without a hand-off.
    pub wake: std::sync::Arc<tokio::sync::Notify>,
}

/// The engine's end of a [`Handoff`].
pub struct HandoffRx {
    rx: tokio::sync::mpsc::UnboundedReceiver<Claimed>,
    queued: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Handoff {
    /// A hand-off holding at most `cap` deliveries, leasing them for `lease_ms`.
    pub fn new(
        cap: usize,
        lease_ms: i64,
        wake: std::sync::Arc<tokio::sync::Notify>,
    ) -> (Handoff, HandoffRx) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let queued = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        (
            Handoff {
                tx,
                queued: queued.clone(),
                cap,
                lease_ms,
                wake,
            },
            HandoffRx { rx, queued },
        )
    }

    /// Takes a place for one delivery, if one is free. Only the store's one
    /// writer reserves, so the count never passes `cap`.
    pub fn reserve(&self) -> bool {
        use std::sync::atomic::Ordering;
        if self.queued.load(Ordering::Acquire) >= self.cap {
            return false;
        }
        self.queued.fetch_add(1, Ordering::AcqRel);
        true
    }

    /// Gives back places reserved for deliveries that were not committed.
    pub fn release(&self, n: usize) {
        self.queued
            .fetch_sub(n, std::sync::atomic::Ordering::AcqRel);
    }

    /// Passes a committed, leased delivery to the engine. If the engine has
    /// stopped, the delivery's lease runs out and it is claimed again.
    pub fn send(&self, c: Claimed) {
        if self.tx.send(c).is_err() {
            self.release(1);
        }
    }
}

impl HandoffRx {
    /// The next handed-off delivery; None once every sender is gone.
    pub async fn recv(&mut self) -> Option<Claimed> {
        let c = self.rx.recv().await?;
        Some(self.taken(c))
    }

    /// A handed-off delivery if one is waiting (without waiting for one).
    pub fn try_recv(&mut self) -> Option<Claimed> {
        let c = self.rx.try_recv().ok()?;
        Some(self.taken(c))
    }

    /// Frees the place `c` held.
    fn taken(&self, c: Claimed) -> Claimed {
        self.queued
            .fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
        c
    }

    /// Deliveries waiting in the hand-off.
    pub fn len(&self) -> usize {
        self.queued.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Whether none is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The store. Reads are synchronous (call them from a blocking thread); writes
/// return a [`Ticket`] that completes after the write's transaction commits.
pub trait Store: Send + Sync + 'static {
    /// A no-op write: completes when the writer is alive and committing.
    fn ping(&self) -> Ticket<()>;
    fn create_endpoint(&self, ep: Endpoint, secret: SealedSecret) -> Ticket<Endpoint>;
    fn get_endpoint(&self, id: &str) -> Result<Endpoint>;
    /// Endpoints of one application (or of all), oldest first unless the
    /// page says otherwise.
    fn list_endpoints(&self, app_id: Option<&str>, page: &Page) -> Result<Vec<Endpoint>>;
    /// An application's endpoint, by id or uid.
    fn get_app_endpoint(&self, app_id: &str, id_or_uid: &str) -> Result<Endpoint>;
    fn update_endpoint(&self, ep: Endpoint) -> Ticket<Endpoint>;
    /// Reads, changes and writes an endpoint inside one write transaction, so a
    /// change made meanwhile (an automatic disable) is not overwritten.
    fn modify_endpoint(&self, id: &str, change: EndpointChange) -> Ticket<Endpoint>;
    fn delete_endpoint(&self, id: &str) -> Ticket<()>;
    fn secrets(&self, endpoint_id: &str) -> Result<Vec<SealedSecret>>;
    /// Adds `secret` as the newest and sets `expires_at` on every secret without one.
    fn rotate_secret(
        &self,
        endpoint_id: &str,
        secret: SealedSecret,
        old_expires_at: i64,
    ) -> Ticket<()>;
    /// Stores a message and its deliveries to every matching enabled endpoint,
    /// in one transaction; returns (message, newly created). A message id that
    /// exists already returns the stored message and creates nothing.
    fn publish(&self, msg: NewMessage, now: i64) -> Ticket<(Message, bool)>;
    fn get_message(&self, id: &str) -> Result<Message>;
    fn list_messages(&self, limit: i64, before: Option<i64>) -> Result<Vec<Message>>;
    fn deliveries_of_message(&self, message_id: &str) -> Result<Vec<Delivery>>;
    fn deliveries_of_endpoint(&self, endpoint_id: &str, limit: i64) -> Result<Vec<Delivery>>;
    /// An endpoint's activity in `[since, until)` (ms): (attempts that
    /// succeeded, deliveries created then and not yet attempted, deliveries
    /// created then and retrying, attempts that failed).
    fn endpoint_stats(
        &self,
        endpoint_id: &str,
        since: i64,
        until: i64,
    ) -> Result<(i64, i64, i64, i64)>;
    fn get_delivery(&self, id: &str) -> Result<Delivery>;
    fn attempts(&self, delivery_id: &str) -> Result<Vec<Attempt>>;
    /// Ends every delivery lease, so that what a stopped or crashed server had
    /// leased is claimed again at once. Only for a store no other server is
    /// using (`hookseal serve` holds its data directory's lock); returns how
    /// many leases it ended.
    fn release_leases(&self) -> Ticket<u64>;
    /// Leases up to `limit` due deliveries of enabled endpoints until `now + lease_ms`.
    fn claim_due(&self, now: i64, limit: usize, lease_ms: i64) -> Ticket<Vec<Claimed>>;
    /// Records an attempt and moves the delivery on; also tracks the endpoint's
    /// failing streak and disables it past `disable_after_ms` of continuous
    /// failure. Returns why, if this record disabled the endpoint.
    fn record_attempt(
        &self,
        delivery_id: &str,
        rec: AttemptRecord,
        disable_after_ms: i64,
    ) -> Ticket<Option<String>>;
    /// Makes a delivery due now again (whatever its state).
    fn resend(&self, delivery_id: &str, now: i64) -> Ticket<Delivery>;
    /// Sends a message (again) to one endpoint: its delivery there is made
    /// due now, or created if the message never went there.
    fn resend_to(&self, message_id: &str, endpoint_id: &str, now: i64) -> Ticket<Delivery>;
    /// Deliveries across endpoints, newest change first.
    fn list_deliveries(&self, filter: &DeliveryFilter) -> Result<Vec<Delivery>>;
    /// Makes every failed delivery of an endpoint created in `[since,
    /// until)` due now; returns how many.
    fn recover(&self, endpoint_id: &str, since: i64, until: i64, now: i64) -> Ticket<i64>;
    fn queue_stats(&self, now: i64) -> Result<QueueStats>;

    // --- applications (a provider's customers) ---

    /// Creates an application (Conflict if its uid is taken).
    fn create_application(&self, app: Application) -> Ticket<Application>;
    /// An application, by id or uid.
    fn get_application(&self, id_or_uid: &str) -> Result<Application>;
    /// Applications by id.
    fn list_applications(&self, page: &Page) -> Result<Vec<Application>>;
    /// Replaces an application's fields (Conflict if its new uid is taken).
    fn update_application(&self, app: Application) -> Ticket<Application>;
    /// Deletes an application with its endpoints (their deliveries and
    /// secrets), its messages and its tokens.
    fn delete_application(&self, id: &str) -> Ticket<()>;
    /// An application's messages, newest first.
    fn list_app_messages(&self, app_id: &str, filter: &MessageFilter) -> Result<Vec<Message>>;
    /// An application's message, by id or event id.
    fn get_app_message(&self, app_id: &str, id_or_event_id: &str) -> Result<Message>;
    /// Attempts of a message's or an endpoint's deliveries, newest first.
    fn list_attempts(&self, of: &AttemptsOf, filter: &AttemptFilter) -> Result<Vec<AttemptView>>;
    /// The deliveries of a message (to the application's endpoints), by
    /// endpoint id, with their endpoints.
    fn message_destinations(
        &self,
        app_id: &str,
        message_id: &str,
        page: &Page,
    ) -> Result<Vec<(Delivery, Endpoint)>>;
    /// The deliveries to an endpoint that were attempted, newest message
    /// first, with their messages.
    fn endpoint_messages(
        &self,
        endpoint_id: &str,
        filter: &MessageFilter,
    ) -> Result<Vec<(Delivery, Message)>>;

    // --- the event-type catalog ---

    /// Creates or replaces an event type. With `create`, an active type of
    /// that name is a Conflict (an archived one is replaced, unarchived).
    /// Returns it and whether it is new.
    fn put_event_type(&self, et: EventType, create: bool) -> Ticket<(EventType, bool)>;
    fn get_event_type(&self, name: &str) -> Result<EventType>;
    /// Event types by name.
    fn list_event_types(&self, page: &Page, include_archived: bool) -> Result<Vec<EventType>>;
    /// Archives an event type, or deletes it (`expunge`).
    fn delete_event_type(&self, name: &str, expunge: bool, now: i64) -> Ticket<()>;
    /// Those of `names` that are declared and not archived.
    fn active_event_types(&self, names: &[String]) -> Result<Vec<String>>;

    // --- tokens scoped to one application ---

    fn create_token(&self, token: AppToken, hash: [u8; 32]) -> Ticket<AppToken>;
    /// The token with this hash, if any (revoked and expired ones too).
    fn find_token(&self, hash: &[u8; 32]) -> Result<Option<AppToken>>;
    fn list_tokens(&self, app_id: &str) -> Result<Vec<AppToken>>;
    fn revoke_token(&self, app_id: &str, id: &str, now: i64) -> Ticket<()>;

    // --- answers to repeated POSTs (an idempotency-key) ---

    /// The answer kept for `key` since `since` (ms), if any.
    fn idempotent_answer(&self, key: &[u8; 32], since: i64) -> Result<Option<KeptAnswer>>;
    fn keep_answer(&self, key: [u8; 32], answer: KeptAnswer, now: i64) -> Ticket<()>;

    // --- inbound gateway ---

    /// Stores a verified inbound event unless its dedup key is live, and fans it
    /// out to its source's enabled endpoints — all in one transaction.
    fn ingest(&self, ev: InboundEvent, now: i64) -> Ticket<Ingested>;
    fn record_rejections(&self, recs: Vec<RejectionRecord>) -> Ticket<()>;
    /// Newest first.
    fn rejections(&self, source: &str, limit: i64) -> Result<Vec<RejectionRecord>>;
    /// Creates a source (Conflict if the name is taken).
    fn create_source(&self, row: SourceRow) -> Ticket<()>;
    /// Replaces every config-declared source with `rows` (and their declared
    /// endpoints), removing config sources no longer declared; a name used by an
    /// API-created source is a Conflict.
    fn sync_config_sources(
        &self,
        rows: Vec<SourceRow>,
        endpoints: Vec<ConfigEndpoint>,
    ) -> Ticket<ConfigSync>;
    fn get_source(&self, name: &str) -> Result<SourceRow>;
    fn list_sources(&self) -> Result<Vec<SourceRow>>;
    /// Stored events of a source.
    fn count_events(&self, source: &str) -> Result<i64>;
    fn delete_source(&self, name: &str) -> Ticket<()>;
    /// Replaces an API-created source's sealed definition (its secrets, endpoints
    /// and dedup records stay).
    fn replace_source_def(&self, name: &str, sealed_def: Vec<u8>, now: i64) -> Ticket<()>;
    /// Adds a newest secret; older ones expire at `old_expires_at` (ms).
    fn rotate_source_secret(
        &self,
        name: &str,
        secret: SealedSecret,
        old_expires_at: i64,
    ) -> Ticket<()>;
    /// Deletes expired dedup records, events past retention, old audit rows:
    /// up to `plan.step` rows of each kind, telling whether more remain.
    fn sweep(&self, plan: SweepPlan, now: i64) -> Ticket<SweepStats>;
}

/// A fresh id with a prefix (`ep_`, `msg_`, `dlv_`): the time, a per-process
/// random nonce and a counter — unique without a system call per id, and sortable
/// by creation time.
pub fn new_id(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    static NONCE: OnceLock<String> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nonce = NONCE.get_or_init(|| {
        let mut b = [0u8; 6];
        hookseal::keys::random(&mut b);
        hookseal::codec::hex_encode(&b)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // Written by hand rather than with format!: one is made for every
    // message, delivery and inbound event.
    let mut id = String::with_capacity(prefix.len() + 11 + nonce.len() + 8);
    id.push_str(prefix);
    push_hex(&mut id, crate::clock::now_ms().max(0) as u64, 11);
    id.push_str(nonce);
    push_hex(&mut id, n & 0xffff_ffff, 8);
    id
}

/// Appends `v` in lower-case hex, zero-padded to at least `width` digits
/// (what `{:0width$x}` writes).
fn push_hex(s: &mut String, v: u64, width: usize) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digits = ((64 - v.leading_zeros() as usize).div_ceil(4)).max(width);
    for i in (0..digits).rev() {
        let d = if i >= 16 { 0 } else { (v >> (i * 4)) & 0xf };
        s.push(DIGITS[d as usize] as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_padding_matches_format() {
        for (v, w) in [
            (0u64, 8),
            (1, 8),
            (0xabc, 11),
            (0x1_0000_0000, 8),
            (u64::MAX, 11),
            (0x19c_d2a3_41f0, 11),
            (0xffff_ffff, 8),
        ] {
            let mut s = String::new();
            push_hex(&mut s, v, w);
            assert_eq!(s, format!("{v:0w$x}"), "{v:#x} width {w}");
        }
        let id = new_id("msg_");
        assert!(
            id.starts_with("msg_") && id.len() == 4 + 11 + 12 + 8,
            "{id}"
        );
        assert!(new_id("msg_") > id, "ids sort by creation");
    }
}
