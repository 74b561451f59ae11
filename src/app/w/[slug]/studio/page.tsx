export default function StudioPage() {
  return (
    <div className="flex flex-col gap-2">
      <h1 className="text-2xl font-semibold">Content Studio</h1>
      <p className="text-sm text-slate-600">
        Write a prompt, pick a model, and generate a script with images. Generation runs arrive with the Content
        Studio release; until then, set up your workspace under Settings.
      </p>
    </div>
  );
}
