// "Write live" on the Write with AI page: posts the brief and shows the server-sent events as they arrive.
(() => {
  const button = document.getElementById("stream-button");
  if (!button) return;
  const output = document.getElementById("stream-output");
  const problems = document.getElementById("stream-problems");
  const show = (event, data) => {
    const payload = JSON.parse(data);
    if (event === "message") output.textContent += payload;
    else if (event === "error") output.textContent += "\n\n" + payload.message;
    else if (event === "done") {
      if (payload.parts.length > 1) output.textContent = payload.parts.join("\n\n———\n\n");
      for (const problem of payload.problems) {
        const item = document.createElement("li");
        item.textContent = problem;
        problems.append(item);
      }
    }
  };
  button.addEventListener("click", async () => {
    output.textContent = "";
    problems.replaceChildren();
    const response = await fetch(button.dataset.url, {method: "POST", body: new FormData(document.getElementById("brief"))});
    if (!response.ok) { output.textContent = (await response.json()).message; return; }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, {stream: true});
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (data) show(event, data);
      }
    }
  });
})();
