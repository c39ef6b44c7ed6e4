#include "verify/receipt.h"

#include <fmt/format.h>

#include <cstring>

#include "common/base64.h"
#include "common/json_text.h"
#include "verify/hasher.h"
#include "verify/verify.h"

namespace dipr::registry {

std::string Receipt::ToJsonText() const {
  std::string out;
  out.reserve(64 + entry.size() * 4 / 3 + checkpoint.size() + proof.size() * 48);
  out += "{\"checkpoint\":";
  AppendJsonString(out, checkpoint);
  out += ",\"entry\":\"";
  out += Base64Encode(entry);
  out += "\",\"index\":";
  out += std::to_string(index);
  out += ",\"proof\":";
  AppendBase64Array(out, proof);
  out += '}';
  return out;
}

Result<Receipt> Receipt::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return InvalidArgument("receipt is not a JSON object");
  Receipt r;
  if (!j.contains("index") ||
      !(j["index"].is_number_unsigned() ||
        (j["index"].is_number_integer() && j["index"].get<int64_t>() >= 0))) {
    return InvalidArgument("receipt field \"index\" is missing or not a non-negative integer");
  }
  r.index = j["index"].get<uint64_t>();
  if (!j.contains("entry") || !j["entry"].is_string()) {
    return InvalidArgument("receipt field \"entry\" is missing");
  }
  auto entry = Base64Decode(j["entry"].get<std::string>());
  if (!entry.ok()) return InvalidArgument("receipt field \"entry\" is not base64");
  r.entry = std::move(entry).value();
  if (!j.contains("checkpoint") || !j["checkpoint"].is_string()) {
    return InvalidArgument("receipt field \"checkpoint\" is missing");
  }
  r.checkpoint = j["checkpoint"].get<std::string>();
  if (!j.contains("proof") || !j["proof"].is_array()) {
    return InvalidArgument("receipt field \"proof\" is missing");
  }
  for (const auto& h : j["proof"]) {
    auto raw = h.is_string() ? Base64Decode(h.get<std::string>()) : InvalidArgument("");
    if (!raw.ok() || raw->size() != 32) {
      return InvalidArgument("receipt proof holds something that is not a base64 SHA-256 hash");
    }
    crypto::Hash hash;
    std::memcpy(hash.data(), raw->data(), 32);
    r.proof.push_back(hash);
  }
  return r;
}

Result<log::Checkpoint> VerifyReceipt(const Receipt& receipt, const crypto::NoteVerifier& key) {
  auto cp = log::OpenCheckpoint(receipt.checkpoint, key);
  if (!cp.ok()) return InvalidArgument("checkpoint: " + cp.status().message());
  Status st = log::VerifyInclusion(receipt.index, cp->size, log::HashLeaf(receipt.entry),
                                   receipt.proof, cp->root);
  if (!st.ok()) {
    return InvalidArgument(fmt::format("entry {} is not proven in the checkpoint of size {}: {}",
                                       receipt.index, cp->size, st.message()));
  }
  return cp;
}

}  // namespace dipr::registry
