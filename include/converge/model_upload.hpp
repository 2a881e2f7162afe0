#pragma once
// A Model's `path:` uploaded to its workspace's default datastore (workspaceblobstore) with the
// Azure Blob REST API (Put Blob; Put Block + Put Block List above 4 MiB), AAD-authenticated.
// The content-addressed prefix LocalUpload/<hash>/ is listed first: a file already there with
// its size is not sent again. Part of apply (docs/model-upload.md).
#include "converge/apply.hpp"
#include "converge/arm_client.hpp"

namespace converge {

/// What one Model's upload did.
struct UploadSummary {
    std::size_t sent = 0;       ///< files written
    std::size_t present = 0;    ///< files already in the datastore
    std::uint64_t bytes_sent = 0;
};

/// Uploads the files `model`'s `path:` names (the loader's record in its body, "/path"); nothing
/// for any other resource. Fails when the files changed since the plan hashed them.
ApiResult<UploadSummary> upload_model_path(ArmClient& client, const Resource& model,
                                           const std::function<void(const std::string&)>& phase);

/// Uploads the files a Job's `code:` names (the loader's record, "/code") the same way, below
/// LocalUpload/<hash>/, and registers the code version its properties.codeId names
/// (codes/<hash>/versions/1, PUT with the files' codeUri) when it does not exist yet; nothing
/// is read or sent when that code version exists (docs/kinds.md "Jobs").
ApiResult<UploadSummary> upload_job_code(ArmClient& client, const Resource& job,
                                         const std::function<void(const std::string&)>& phase);

/// ApplyOptions::before_write that runs upload_model_path (a Model) or upload_job_code (a Job)
/// with `client`.
std::function<ApiResult<void>(const Resource&, const std::function<void(const std::string&)>&)> model_uploader(
    ArmClient& client);

}  // namespace converge
