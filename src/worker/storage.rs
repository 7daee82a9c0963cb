//! The workspace (wasm32 only): lakehouses saved in the origin private file
//! system (OPFS), the tab's "DBFS". A saved lakehouse is a folder
//! `lakehouses/<id>/` holding the run output as the CLI writes it
//! (`bronze/`, `silver/`, `gold/` Parquet and `manifest.json`) and its
//! description, `lakehouse.json`.
//!
//! A save encodes and writes one file at a time through a
//! `FileSystemSyncAccessHandle`, so the whole output is never in memory at
//! once. Its description is written last, under a temporary name that is
//! then renamed: a folder without `lakehouse.json` is an unfinished save,
//! which a failed save removes at once and a later save sweeps away. What
//! each request does with the session is in `session` (natively tested).

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DomException, FileReaderSync, FileSystemDirectoryHandle, FileSystemFileHandle,
    FileSystemGetDirectoryOptions, FileSystemGetFileOptions, FileSystemReadWriteOptions,
    FileSystemRemoveOptions, FileSystemSyncAccessHandle,
};

use super::runtime::with_session;
use super::session::Reply;
use crate::protocol::{Download, Progress, Request, Response, SavedLakehouse, UserMessage};

/// The folder of saved lakehouses in the origin's private file system.
const ROOT: &str = "lakehouses";
/// A saved lakehouse's description; its presence marks a finished save.
const DESCRIPTION: &str = "lakehouse.json";
/// The description's name until the save is complete.
const PARTIAL: &str = "lakehouse.json.partial";
/// The SQL console's saved queries, next to the lakehouse they query (not
/// part of the run output: not listed by [`files_under`]).
const QUERIES: &str = "queries.json";

/// Answers a storage request ([`Request::is_storage`]). The worker's
/// session is borrowed only between `await`s (`with_session`), so that
/// filter requests are answered while a save writes.
pub async fn answer(request: Request, progress: &mut dyn FnMut(&Progress)) -> Reply {
    // An id becomes a folder name: only the ids saves make pass.
    if let Request::OpenSaved { id }
    | Request::RenameSaved { id, .. }
    | Request::DeleteSaved { id }
    | Request::DownloadSaved { id } = &request
        && !crate::state::is_saved_id(id)
    {
        return Response::Failed(UserMessage::new(
            "No such saved lakehouse",
            format!("`{id}` is not the id of a saved lakehouse"),
        ))
        .into();
    }
    let result = match request {
        Request::Save { source } => return save(source).await,
        Request::ListSaved => workspace().await,
        Request::OpenSaved { id } => match read_saved(&id).await {
            Ok((files, saved)) => return with_session(|s| s.open_saved(files, saved, progress)),
            Err(message) => Err(message),
        },
        Request::RenameSaved { id, name } => rename(&id, &name).await,
        Request::DeleteSaved { id } => delete(&id).await,
        Request::DownloadSaved { id } => download(&id).await,
        _ => Err(UserMessage::new("Bad request", "not a storage request")),
    };
    result.unwrap_or_else(|message| Response::Failed(message).into())
}

/// The title of every failed save.
const TITLE: &str = "Could not save this lakehouse in the browser";

/// What went wrong with the browser's storage, said for a user.
fn storage_error(title: &str, error: &JsValue) -> UserMessage {
    let name = error
        .dyn_ref::<DomException>()
        .map(|e| (e.name(), e.message()));
    match name {
        Some((name, _)) if name == "QuotaExceededError" => UserMessage {
            title: title.into(),
            detail: "the browser's storage for this page is full".into(),
            hint: Some(
                "the dashboard still works; delete saved lakehouses (Load data → Saved in this \
                 browser) or free disk space, then save again"
                    .into(),
            ),
        },
        Some((name, _)) if name == "NotFoundError" => UserMessage {
            title: title.into(),
            detail: "this saved lakehouse is no longer in the browser's storage".into(),
            hint: Some("it may have been deleted in another tab; load the export again".into()),
        },
        Some((name, message)) => UserMessage {
            title: title.into(),
            detail: format!("{name}: {message}"),
            hint: Some("the browser's storage refused the request; try again".into()),
        },
        None => UserMessage::new(title, format!("{error:?}")),
    }
}

async fn resolve<T: JsCast>(promise: js_sys::Promise) -> Result<T, JsValue> {
    JsFuture::from(promise).await?.dyn_into::<T>()
}

/// `lakehouses/` in the origin private file system, made if missing.
async fn root() -> Result<FileSystemDirectoryHandle, JsValue> {
    let navigator = js_sys::global()
        .unchecked_into::<web_sys::WorkerGlobalScope>()
        .navigator();
    let opfs: FileSystemDirectoryHandle = resolve(navigator.storage().get_directory()).await?;
    folder(&opfs, ROOT, true).await
}

async fn folder(
    parent: &FileSystemDirectoryHandle,
    name: &str,
    create: bool,
) -> Result<FileSystemDirectoryHandle, JsValue> {
    let options = FileSystemGetDirectoryOptions::new();
    options.set_create(create);
    resolve(parent.get_directory_handle_with_options(name, &options)).await
}

/// The file at `path` (`/`-separated) under `dir`, its folders made when
/// `create`.
async fn file(
    dir: &FileSystemDirectoryHandle,
    path: &str,
    create: bool,
) -> Result<FileSystemFileHandle, JsValue> {
    let mut parent = dir.clone();
    let mut parts: Vec<&str> = path.split('/').collect();
    let name = parts.pop().unwrap_or_default();
    for part in parts {
        parent = folder(&parent, part, create).await?;
    }
    let options = FileSystemGetFileOptions::new();
    options.set_create(create);
    resolve(parent.get_file_handle_with_options(name, &options)).await
}

/// Writes `bytes` as the whole of the file at `path`, through a
/// synchronous access handle (workers only).
async fn write(dir: &FileSystemDirectoryHandle, path: &str, bytes: &[u8]) -> Result<(), JsValue> {
    let handle = file(dir, path, true).await?;
    let access: FileSystemSyncAccessHandle = resolve(handle.create_sync_access_handle()).await?;
    let result = (|| {
        access.truncate_with_f64(0.0)?;
        let at = FileSystemReadWriteOptions::new();
        at.set_at(0.0);
        let written = access.write_with_u8_array_and_options(bytes, &at)?;
        if written as usize != bytes.len() {
            return Err(DomException::new_with_message_and_name(
                "the browser wrote less than the whole file",
                "QuotaExceededError",
            )?
            .into());
        }
        access.flush()
    })();
    access.close();
    result
}

/// The whole file at `path`, read without locking it (another tab may be
/// reading it too).
async fn read(dir: &FileSystemDirectoryHandle, path: &str) -> Result<Vec<u8>, JsValue> {
    let handle = file(dir, path, false).await?;
    let blob: web_sys::File = resolve(handle.get_file()).await?;
    bytes_of(&FileReaderSync::new()?, &blob)
}

/// The whole of `blob`, copied into memory.
fn bytes_of(reader: &FileReaderSync, blob: &web_sys::Blob) -> Result<Vec<u8>, JsValue> {
    let buffer = reader.read_as_array_buffer(blob)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Writes `dir`'s description beside it and moves it over the old one: a
/// full disk or a closed tab mid-write leaves the old description (or,
/// for a new save, none: an unfinished save), never half of one.
async fn write_description(dir: &FileSystemDirectoryHandle, text: &[u8]) -> Result<(), JsValue> {
    write(dir, PARTIAL, text).await?;
    rename_file(dir, PARTIAL, DESCRIPTION).await
}

/// The entries of `dir`: (name, handle).
async fn entries(dir: &FileSystemDirectoryHandle) -> Result<Vec<(String, JsValue)>, JsValue> {
    let iterator = dir.entries();
    let mut found = Vec::new();
    loop {
        let next = JsFuture::from(iterator.next()?).await?;
        if js_sys::Reflect::get(&next, &"done".into())?.is_truthy() {
            return Ok(found);
        }
        let pair = js_sys::Array::from(&js_sys::Reflect::get(&next, &"value".into())?);
        found.push((pair.get(0).as_string().unwrap_or_default(), pair.get(1)));
    }
}

/// Every file under `dir` but the description: `/`-separated paths, sorted,
/// with their handles.
async fn files_under(
    dir: &FileSystemDirectoryHandle,
) -> Result<Vec<(String, FileSystemFileHandle)>, JsValue> {
    let mut files = Vec::new();
    let mut folders = vec![(String::new(), dir.clone())];
    while let Some((prefix, folder)) = folders.pop() {
        for (name, handle) in entries(&folder).await? {
            let path = format!("{prefix}{name}");
            match handle.dyn_into::<FileSystemDirectoryHandle>() {
                Ok(sub) => folders.push((format!("{path}/"), sub)),
                Err(_) if [DESCRIPTION, PARTIAL, QUERIES].contains(&path.as_str()) => {}
                Err(handle) => files.push((path, handle.dyn_into::<FileSystemFileHandle>()?)),
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

async fn remove(root: &FileSystemDirectoryHandle, id: &str) -> Result<(), JsValue> {
    let options = FileSystemRemoveOptions::new();
    options.set_recursive(true);
    JsFuture::from(root.remove_entry_with_options(id, &options))
        .await
        .map(drop)
}

async fn description(dir: &FileSystemDirectoryHandle) -> Result<SavedLakehouse, JsValue> {
    let bytes = read(dir, DESCRIPTION).await?;
    serde_json::from_slice(&bytes).map_err(|e| JsValue::from_str(&e.to_string()))
}

/// The saved lakehouses, newest first; folders without a description
/// (unfinished saves) are not listed.
async fn list() -> Result<Vec<SavedLakehouse>, UserMessage> {
    let failed = |e: JsValue| storage_error("Could not list the saved lakehouses", &e);
    let root = root().await.map_err(failed)?;
    let mut saved = Vec::new();
    for (_, handle) in entries(&root).await.map_err(failed)? {
        if let Ok(dir) = handle.dyn_into::<FileSystemDirectoryHandle>()
            && let Ok(found) = description(&dir).await
        {
            saved.push(found);
        }
    }
    saved.sort_by(|a, b| b.id.cmp(&a.id));
    Ok(saved)
}

/// The list as an answer.
async fn workspace() -> Result<Reply, UserMessage> {
    Ok(Response::Workspace {
        saved: list().await?,
    }
    .into())
}

/// `YYYY-MM-DD HH:MM` now, in the browser's time zone (only ever shown,
/// never part of an output).
fn now_text() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// Writes the session's lakehouse: every file, then its description under
/// a temporary name, renamed last. On any failure the folder is removed.
async fn save(source: String) -> Reply {
    let (generation, count) = with_session(|s| (s.generation(), s.files_to_save()));
    let Some(count) = count else {
        return Response::SaveFailed(UserMessage::new(TITLE, "nothing is loaded")).into();
    };
    let root = match root().await {
        Ok(root) => root,
        Err(e) => return Response::SaveFailed(storage_error(TITLE, &e)).into(),
    };
    // Unfinished saves of earlier visits (the tab closed while saving).
    if let Ok(found) = entries(&root).await {
        for (name, handle) in found {
            if let Ok(dir) = handle.dyn_into::<FileSystemDirectoryHandle>()
                && file(&dir, DESCRIPTION, false).await.is_err()
            {
                let _ = remove(&root, &name).await;
            }
        }
    }
    let mut id = format!("lh-{}", js_sys::Date::now() as u64);
    while folder(&root, &id, false).await.is_ok() {
        id.push('x');
    }
    let result = write_all(&root, &id, count, generation, source).await;
    match result {
        Ok(saved) => Response::Saved(saved).into(),
        Err(message) => {
            let _ = remove(&root, &id).await;
            Response::SaveFailed(message).into()
        }
    }
}

async fn write_all(
    root: &FileSystemDirectoryHandle,
    id: &str,
    count: usize,
    generation: u64,
    source: String,
) -> Result<SavedLakehouse, UserMessage> {
    let failed = |e: JsValue| storage_error(TITLE, &e);
    let replaced = || {
        UserMessage::new(
            TITLE,
            "other data was loaded before the save finished; that lakehouse is saved instead",
        )
    };
    let dir = folder(root, id, true).await.map_err(failed)?;
    let (mut bytes, mut files) = (0u64, 0u64);
    for index in 0..count {
        let file = with_session(|s| s.file_to_save(index, generation)).ok_or_else(replaced)??;
        write(&dir, &file.path, &file.bytes).await.map_err(failed)?;
        bytes += file.bytes.len() as u64;
        files += 1;
    }
    let saved_at = now_text();
    let saved = with_session(|s| {
        (s.generation() == generation)
            .then(|| s.saved_description(id.to_string(), source, saved_at, bytes, files))
            .flatten()
    })
    .ok_or_else(replaced)?;
    let text = serde_json::to_vec(&saved).map_err(|e| UserMessage::new(TITLE, e))?;
    write_description(&dir, &text).await.map_err(failed)?;
    Ok(saved)
}

/// Renames a file in `dir` (`FileSystemHandle.move`, which OPFS has in
/// current browsers; without it, the content is copied and the old name
/// removed).
async fn rename_file(dir: &FileSystemDirectoryHandle, from: &str, to: &str) -> Result<(), JsValue> {
    let handle = file(dir, from, false).await?;
    let mover = js_sys::Reflect::get(&handle, &"move".into())?;
    if let Ok(mover) = mover.dyn_into::<js_sys::Function>() {
        let promise: js_sys::Promise = mover.call1(&handle, &to.into())?.dyn_into()?;
        JsFuture::from(promise).await?;
        return Ok(());
    }
    let bytes = read(dir, from).await?;
    write(dir, to, &bytes).await?;
    JsFuture::from(dir.remove_entry(from)).await.map(drop)
}

/// A saved lakehouse's files (path, bytes) and its description (the
/// pipeline worker reopens it from them, the SQL worker queries them).
pub(crate) async fn read_saved(
    id: &str,
) -> Result<(Vec<(String, Vec<u8>)>, SavedLakehouse), UserMessage> {
    let failed = |e: JsValue| storage_error("Could not open the saved lakehouse", &e);
    let root = root().await.map_err(failed)?;
    let dir = folder(&root, id, false).await.map_err(failed)?;
    let saved = description(&dir).await.map_err(failed)?;
    let (paths, handles): (Vec<String>, Vec<FileSystemFileHandle>) =
        files_under(&dir).await.map_err(failed)?.into_iter().unzip();
    // Every file's `File` asked for at once (one wait, not one per file),
    // then read whole. Read-only synchronous access handles were slower
    // here: 70-85 ms against 50-60 ms for a ×10 lakehouse's 48 files.
    let asked: js_sys::Array = handles.iter().map(|h| h.get_file()).collect();
    let blobs = JsFuture::from(js_sys::Promise::all(&asked))
        .await
        .map_err(failed)?;
    let reader = FileReaderSync::new().map_err(failed)?;
    let mut files = Vec::with_capacity(paths.len());
    for (path, blob) in paths.into_iter().zip(js_sys::Array::from(&blobs).iter()) {
        files.push((
            path,
            bytes_of(&reader, blob.unchecked_ref()).map_err(failed)?,
        ));
    }
    Ok((files, saved))
}

/// The saved lakehouse `id`'s saved queries file, `None` when it has none.
#[cfg(feature = "sql")]
pub(crate) async fn read_queries(id: &str) -> Result<Option<Vec<u8>>, UserMessage> {
    let failed = |e: JsValue| storage_error("Could not read the saved queries", &e);
    let dir = folder(&root().await.map_err(failed)?, id, false)
        .await
        .map_err(failed)?;
    match read(&dir, QUERIES).await {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e)
            if e.dyn_ref::<DomException>()
                .map(DomException::name)
                .as_deref()
                == Some("NotFoundError") =>
        {
            Ok(None)
        }
        Err(e) => Err(failed(e)),
    }
}

/// Replaces the saved lakehouse `id`'s saved queries file.
#[cfg(feature = "sql")]
pub(crate) async fn write_queries(id: &str, bytes: &[u8]) -> Result<(), UserMessage> {
    let failed = |e: JsValue| storage_error("Could not save the query", &e);
    let dir = folder(&root().await.map_err(failed)?, id, false)
        .await
        .map_err(failed)?;
    write(&dir, QUERIES, bytes).await.map_err(failed)
}

/// Gives a saved lakehouse a new name (1 to 120 characters, trimmed);
/// answers with the list.
async fn rename(id: &str, name: &str) -> Result<Reply, UserMessage> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(UserMessage {
            title: "Could not rename the saved lakehouse".into(),
            detail: "a name has 1 to 120 characters".into(),
            hint: Some("type a name and press Enter".into()),
        });
    }
    let failed = |e: JsValue| storage_error("Could not rename the saved lakehouse", &e);
    let root = root().await.map_err(failed)?;
    let dir = folder(&root, id, false).await.map_err(failed)?;
    let mut saved = description(&dir).await.map_err(failed)?;
    saved.name = name.to_string();
    let text = serde_json::to_vec(&saved).map_err(|e| UserMessage::new("Could not rename", e))?;
    write_description(&dir, &text).await.map_err(failed)?;
    workspace().await
}

/// Removes a saved lakehouse and every file of it; answers with the list.
async fn delete(id: &str) -> Result<Reply, UserMessage> {
    let failed = |e: JsValue| storage_error("Could not delete the saved lakehouse", &e);
    let root = root().await.map_err(failed)?;
    remove(&root, id).await.map_err(failed)?;
    workspace().await
}

/// A saved lakehouse's files zipped, as the lakehouse download zips them.
async fn download(id: &str) -> Result<Reply, UserMessage> {
    let (files, saved) = read_saved(id).await?;
    let files: Vec<lakehouse_pipeline::OutputFile> = files
        .into_iter()
        .map(|(path, bytes)| lakehouse_pipeline::OutputFile { path, bytes })
        .collect();
    let stem: String = saved
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let (download, bytes): (Download, Vec<u8>) =
        super::handler::zip_files(&files, &format!("{}.zip", stem.trim_matches('-')))?;
    Ok(Reply {
        response: Response::Download(download),
        bytes: Some(bytes),
    })
}
