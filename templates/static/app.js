// jiaofu's own script, beside htmx: a copy button copies the field its data-copy names.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  field.select();
  const done = () => { button.textContent = "已复制"; };
  if (navigator.clipboard) {
    navigator.clipboard.writeText(field.value).then(done, () => document.execCommand("copy") && done());
  } else if (document.execCommand("copy")) {
    done();
  }
});

// A form with data-confirm asks before it is sent (removing a member or a contact). Without
// JavaScript the form is sent as it is.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// A page that comes back with an error next to a field (a refused form) shows that field: the
// error may be far down a long page.
document.addEventListener("DOMContentLoaded", () => {
  const error = document.querySelector(".field-error");
  if (!error) return;
  const details = error.closest("details");
  if (details) details.open = true;
  error.scrollIntoView({ block: "center" });
  const field = error.parentElement && error.parentElement.querySelector("input, select, textarea");
  if (field) field.focus({ preventScroll: true });
});

// A file dropped on a drop zone goes into its file input (the zone is also the input's label, so
// a tap chooses a file as usual).
document.addEventListener("dragover", (event) => {
  const zone = event.target.closest && event.target.closest("[data-drop]");
  if (!zone) return;
  event.preventDefault();
  zone.classList.add("over");
});
document.addEventListener("dragleave", (event) => {
  const zone = event.target.closest && event.target.closest("[data-drop]");
  if (zone) zone.classList.remove("over");
});
document.addEventListener("drop", (event) => {
  const zone = event.target.closest && event.target.closest("[data-drop]");
  if (!zone) return;
  event.preventDefault();
  zone.classList.remove("over");
  const input = zone.querySelector("input[type=file]");
  if (input && event.dataTransfer.files.length) {
    input.files = event.dataTransfer.files;
    const label = zone.querySelector("span");
    if (label) label.textContent = event.dataTransfer.files[0].name;
  }
});

// A barcode scanner types a serial number and presses Enter: the field keeps its focus, the serial
// joins the list (and the form's serial-number field), and one scanned twice — or recorded on an
// earlier day — is flagged at once and left out. Without JavaScript, Enter sends the form.
document.addEventListener("keydown", (event) => {
  const scan = event.target.closest && event.target.closest("[data-scan]");
  if (!scan || event.key !== "Enter") return;
  event.preventDefault();
  const value = scan.value.trim();
  scan.value = "";
  if (!value) return;
  const form = scan.form;
  const field = form.querySelector("textarea[name=serials_text]");
  const said = form.querySelector(".scan-said");
  const list = form.querySelector(".scanned");
  const item = form.querySelector("select[data-item]");
  const option = item && item.selectedOptions[0];
  const recorded = ((option && option.dataset.recorded) || "").split("\n").filter(Boolean);
  const typed = field.value.split(/[\s,;，；、]+/).filter(Boolean);
  const same = (s) => s.toLowerCase() === value.toLowerCase();
  if (typed.some(same) || recorded.some(same)) {
    said.textContent = `重复：${value} ${recorded.some(same) ? "已经登记过" : "刚才已经扫描"}，未加入`;
    said.classList.add("duplicate");
    return;
  }
  field.value = (field.value.trim() ? field.value.trim() + "\n" : "") + value;
  const entry = document.createElement("li");
  entry.textContent = value;
  list.appendChild(entry);
  said.textContent = `已扫描 ${typed.length + 1} 个：${value}`;
  said.classList.remove("duplicate");
  scan.focus();
});

// 三项均合格: one tap marks an item's three checks as passed.
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-all-pass]");
  if (!button) return;
  button.closest("fieldset").querySelectorAll("input[type=radio][value=pass]").forEach((r) => { r.checked = true; });
});

// A button with data-confirm-button asks before it sends its form (one button of several).
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-confirm-button]");
  if (button && !window.confirm(button.dataset.confirmButton)) event.preventDefault();
});

// 服务台: a running clock counts down to its deadline (data-deadline), in the words the server
// used (剩 1 小时 5 分 / 超时 12 分); past it the badge turns red. Without JavaScript the page shows
// the time left when it was loaded.
const spanZh = (secs) => {
  const a = Math.abs(secs);
  const minutes = Math.floor(a / 60) + (a % 60 > 0 && a < 60 ? 1 : 0);
  const d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
  if (d === 0 && h === 0) return `${m} 分`;
  if (d === 0) return m === 0 ? `${h} 小时` : `${h} 小时 ${m} 分`;
  return h === 0 ? `${d} 天` : `${d} 天 ${h} 小时`;
};
const countDown = () => {
  document.querySelectorAll("[data-deadline]").forEach((el) => {
    const left = Math.round((Date.parse(el.dataset.deadline) - Date.now()) / 1000);
    el.textContent = left >= 0 ? `剩 ${spanZh(left)}` : `超时 ${spanZh(left)}`;
    if (left < 0) { el.classList.remove("todo"); el.classList.add("overdue"); }
  });
};
document.addEventListener("DOMContentLoaded", () => {
  if (!document.querySelector("[data-deadline]")) return;
  countDown();
  setInterval(countDown, 15000);
});
