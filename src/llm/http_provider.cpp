#include "llm/http_provider.h"

#include "core/log.h"

namespace devagent::llm {

HttpProvider::HttpProvider(ProviderSettings settings, http::Client& client)
    : settings_(std::move(settings)), client_(client) {}

boost::asio::awaitable<Outcome<ChatResponse>> HttpProvider::chat(const ChatRequest& request, const DeltaSink& sink,
                                                                 CancelToken cancel) {
  std::string model = request.model.empty() ? settings_.model : request.model;
  if (model.empty()) {
    co_return Error{.kind = ErrorKind::bad_request,
                    .message = "provider " + settings_.name + " has no model: set providers." + settings_.name +
                               ".model or pass one"};
  }
  http::Request req = chat_request(request, model);
  auto dec = decoder();
  ReplyAssembler out(sink);
  unsigned status = 0;
  std::string error_body;
  std::optional<Error> stream_error;

  http::BodyHandler handler;
  handler.on_head = [&](const http::ResponseHead& head) { status = head.status; };
  handler.on_data = [&](std::string_view bytes) {
    if (status < 200 || status >= 300) {
      if (error_body.size() < 64 * 1024) error_body.append(bytes);
      return true;
    }
    auto r = dec->feed(bytes, out);
    if (!r) {
      stream_error = r.error();
      return false;  // stop reading; the connection is closed
    }
    return true;
  };

  auto head = co_await client_.stream(req, handler, cancel);
  // Vendors bill a request once they accept it (a 2xx and a stream); one
  // refused with an error status, or never delivered, consumed nothing.
  bool accepted = status >= 200 && status < 300;
  auto fail = [&](Error e) -> Outcome<ChatResponse> {
    e.output_started = out.output_started();
    if (!accepted && !out.output_started()) {
      e.usage = Usage{};
      return e;
    }
    // What was consumed before the failure: the vendor's counts where it
    // sent them, but never less output than the text that actually arrived.
    auto so_far = out.response(model);
    auto estimate = estimate_usage(request, so_far);
    if (out.has_usage()) {
      e.usage = so_far.usage;
      if (estimate.output_tokens > e.usage->output_tokens) {
        e.usage->output_tokens = estimate.output_tokens;
        e.usage->estimated = true;
      }
    } else {
      e.usage = estimate;
    }
    return e;
  };
  if (!head) co_return fail(transport_error(head.error()));
  if (head->status < 200 || head->status >= 300) {
    auto [type, message] = error_fields(error_body);
    co_return fail(http_error(head->status, *head, type, message));
  }
  if (stream_error) co_return fail(*stream_error);
  if (!out.finished() || !dec->complete()) {
    co_return fail(Error{.kind = ErrorKind::connection,
                         .message = "the stream from " + settings_.name + " ended before the reply was complete"});
  }
  ChatResponse response = out.response(model);
  if (!out.has_usage()) {
    response.usage = estimate_usage(request, response);
    out.usage(response.usage);
  }
  co_return response;
}

boost::asio::awaitable<Outcome<std::string>> HttpProvider::call(http::Request request, CancelToken cancel) {
  auto res = co_await client_.fetch(request, cancel);
  if (!res) co_return transport_error(res.error());
  if (res->head.status < 200 || res->head.status >= 300) {
    auto [type, message] = error_fields(res->body);
    co_return http_error(res->head.status, res->head, type, message);
  }
  co_return std::move(res->body);
}

}  // namespace devagent::llm
