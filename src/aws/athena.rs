//! Amazon Athena: run one statement and read its whole result. `StartQueryExecution`, poll
//! `GetQueryExecution` until it finishes (back-off from 200 ms to 2 s), then page through
//! `GetQueryResults`. What to ask and what the rows mean is `costs::athena`'s.

use std::time::Duration;

use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};

use super::clients::Clients;
use super::error::{describe, AwsError};
use crate::costs::AthenaTable;

/// Longest a query may run before tally gives up (Athena's own default DML timeout is 30 min).
const MAX_WAIT: Duration = Duration::from_secs(60 * 60);
const PAGE: i32 = 1000;

/// Column names and rows (`None` for SQL NULL), header row removed.
#[derive(Debug, Clone, Default)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
    /// Bytes Athena scanned (what it charges for), when it says.
    pub scanned_bytes: Option<i64>,
}

/// Run `sql` against `table`'s database in its workgroup and collect every row.
pub async fn run_query(clients: &Clients, table: &AthenaTable, sql: &str) -> Result<QueryResult, AwsError> {
    let client = clients.athena(table.region.as_deref());
    let source = format!("athena://{}/{}.{}", table.workgroup, table.database, table.table);
    let fail = |op: &str, msg: String| AwsError::Request(format!("{source}: {op}{msg}"));
    let mut context = QueryExecutionContext::builder().database(&table.database);
    if let Some(catalog) = &table.catalog {
        context = context.catalog(catalog);
    }
    let mut start = client
        .start_query_execution()
        .query_string(sql)
        .work_group(&table.workgroup)
        .query_execution_context(context.build());
    if let Some(output) = &table.output {
        start = start.result_configuration(ResultConfiguration::builder().output_location(output).build());
    }
    let started = start.send().await.map_err(|e| fail("", describe("StartQueryExecution", &e)))?;
    let id = started
        .query_execution_id()
        .ok_or_else(|| fail("StartQueryExecution", ": no query execution id in the answer".into()))?
        .to_string();
    tracing::info!(query_execution_id = %id, "athena query started");

    let began = tokio::time::Instant::now();
    let mut delay = Duration::from_millis(200);
    let scanned_bytes = loop {
        let out = client
            .get_query_execution()
            .query_execution_id(&id)
            .send()
            .await
            .map_err(|e| fail("", describe("GetQueryExecution", &e)))?;
        let execution = out.query_execution();
        let status = execution.and_then(|e| e.status());
        match status.and_then(|s| s.state()) {
            Some(QueryExecutionState::Succeeded) => {
                break execution.and_then(|e| e.statistics()).and_then(|s| s.data_scanned_in_bytes());
            }
            Some(state @ (QueryExecutionState::Failed | QueryExecutionState::Cancelled)) => {
                let reason = status.and_then(|s| s.state_change_reason()).unwrap_or("no reason given");
                return Err(fail("", format!("query {id} {}: {reason}", state.as_str().to_lowercase())));
            }
            _ => {}
        }
        if began.elapsed() > MAX_WAIT {
            return Err(fail(
                "",
                format!("query {id} still running after {} minutes", MAX_WAIT.as_secs() / 60),
            ));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 3 / 2).min(Duration::from_secs(2));
    };

    let mut result = QueryResult { scanned_bytes, ..QueryResult::default() };
    let mut token: Option<String> = None;
    let mut first_page = true;
    loop {
        let out = client
            .get_query_results()
            .query_execution_id(&id)
            .max_results(PAGE)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| fail("", describe("GetQueryResults", &e)))?;
        if let Some(set) = out.result_set() {
            if first_page {
                result.columns = set
                    .result_set_metadata()
                    .map(|m| m.column_info().iter().map(|c| c.name().to_string()).collect())
                    .unwrap_or_default();
            }
            let mut rows = set
                .rows()
                .iter()
                .map(|r| r.data().iter().map(|d| d.var_char_value().map(str::to_string)).collect::<Vec<_>>());
            // A SELECT's first row is its header.
            if first_page {
                let mut peek = rows.clone();
                if let Some(head) = peek.next() {
                    let is_header = head.len() == result.columns.len()
                        && head.iter().zip(&result.columns).all(|(h, c)| h.as_deref() == Some(c.as_str()));
                    if is_header {
                        rows.next();
                    }
                }
            }
            result.rows.extend(rows);
        }
        first_page = false;
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    tracing::info!(rows = result.rows.len(), scanned_bytes = ?result.scanned_bytes, "athena query finished");
    Ok(result)
}
